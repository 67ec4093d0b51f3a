// Runs the chaos iterations in one world and sums them up: moto restarts every 5th iteration, Redis restarts
// every 10th (offset so they do not coincide), kills and faults in every one; a secret scan at the end.
import { scanForSecrets, type ScanReport } from "../test/support/secret-scan.js";
import { runIteration, type IterationResult } from "./iteration.js";
import { seededRandom } from "./random.js";
import { CHAOS_PREFIX, startChaosWorld, type ChaosOptions, type ChaosWorld } from "./world.js";

export interface ChaosReport {
  iterations: number;
  kills: number;
  faults: number;
  motoRestarts: number;
  redisRestarts: number;
  configDrifts: number;
  rotations: number;
  retried: number;
  /** RequestLimitExceeded answers of the simulator's windows (P5 under chaos; not counted as violations). */
  throttled: number;
  labelThrottles: number;
  operatorKeys: number;
  redisPauses: number;
  approvals: number;
  secretScan: { keysRead: number; outputsRead: number; hits: number };
  violations: number;
  seconds: number;
  seed: number;
  violationList: string[];
}

export interface RunChaosOptions extends ChaosOptions {
  seed: number;
  log?: (line: string) => void;
}

export const choicesFor = (index: number) => ({
  motoRestart: index % 5 === 2,
  redisRestart: index % 10 === 4,
  configDrift: index % 3 === 1,
});

export async function runChaos(options: RunChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const random = seededRandom(options.seed);
  log(
    `chaos: ${options.iterations} iterations, ${options.workers} workers, ${options.usersPerIteration} users each, seed ${options.seed}`
  );
  const world = await startChaosWorld(options);
  const results: IterationResult[] = [];
  let scan: ScanReport & { outputsRead: number };
  try {
    for (let index = 0; index < options.iterations; index++) {
      const result = await runIteration(world, index, random, choicesFor(index));
      results.push(result);
      log(
        `  iteration ${index + 1}: ${result.rotations} rotations, ${result.kills} kills, ${result.faults} faults` +
          `${result.motoRestarts ? ", moto restarted" : ""}${result.redisRestarts ? ", Redis restarted" : ""}` +
          `${result.configDrifts ? ", a worker's config drifted" : ""}` +
          `${result.retried ? `, ${result.retried} retried` : ""}, ${result.labelThrottles} label throttles, ` +
          `${result.operatorKeys} operator keys, ${result.redisPauses} Redis pauses, ${result.approvals} approvals, ` +
          `${result.violations.length} violations (${result.seconds} s)`
      );
      for (const violation of result.violations) log(`    ${violation}`);
    }
    scan = await scanWorld(world);
  } finally {
    await world.close();
  }
  const sum = (
    field:
      | "kills"
      | "faults"
      | "motoRestarts"
      | "redisRestarts"
      | "configDrifts"
      | "rotations"
      | "retried"
      | "throttled"
      | "labelThrottles"
      | "operatorKeys"
      | "redisPauses"
      | "approvals"
  ) => results.reduce((total, result) => total + result[field], 0);
  const violationList = [
    ...results.flatMap((result) => result.violations),
    ...scan.hits.map((hit) => `secret scan: ${hit}`),
  ];
  return {
    iterations: results.length,
    kills: sum("kills"),
    faults: sum("faults"),
    motoRestarts: sum("motoRestarts"),
    redisRestarts: sum("redisRestarts"),
    configDrifts: sum("configDrifts"),
    rotations: sum("rotations"),
    retried: sum("retried"),
    throttled: sum("throttled"),
    labelThrottles: sum("labelThrottles"),
    operatorKeys: sum("operatorKeys"),
    redisPauses: sum("redisPauses"),
    approvals: sum("approvals"),
    secretScan: { keysRead: scan.keysRead, outputsRead: scan.outputsRead, hits: scan.hits.length },
    violations: violationList.length,
    seconds: Math.round((Date.now() - started) / 1000),
    seed: options.seed,
    violationList,
  };
}

/** Every key under the prefix (all types), every worker's output and the event stream, for every known secret. */
export async function scanWorld(world: ChaosWorld): Promise<ScanReport & { outputsRead: number }> {
  const events = await world.runtime.engine.readEvents({ count: 100_000 });
  const outputs = [...world.workers.outputs(), JSON.stringify(events)];
  const report = await scanForSecrets(world.runtime.redis, [CHAOS_PREFIX], world.secrets(), outputs);
  return { ...report, outputsRead: outputs.length };
}
