// Everything a chaos run keeps across iterations: a private redis-server with AOF (restartable), the CAM
// simulator in this process seeded with a pool of users (each iteration takes fresh ones), a moto that survives
// restarts (the AWS Secrets Manager vault), the worker processes, and the driver's own runtime (the daemon's
// parts, for enqueueing and following rotations) and vault (for the invariant checks). The vault is reached
// through a proxy that can throttle AWSPENDING removals, and the simulator's CreateAccessKey is hooked for the
// faults its own queue cannot express (create-hooks.ts).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Queue } from "bullmq";
import { startCamSimulator, type RunningCamSimulator } from "../src/cam/simulator/index.js";
import { parseConfig, type Config } from "../src/config/index.js";
import { configFingerprint } from "../src/daemon/config-fingerprint.js";
import { createFleetGuard } from "../src/daemon/fleet-guard.js";
import { openRuntime, type Runtime } from "../src/daemon/open-runtime.js";
import { silentLogger } from "../src/log.js";
import { tapIssuedSecrets, type SecretTap } from "../bench/issued-secrets.js";
import { buildFleet, workerConfig, type Fleet, type FleetAccount } from "../bench/population.js";
import { hookCreates, type CreateHooks } from "./create-hooks.js";
import { startDurableMoto, type DurableMoto } from "./durable-moto.js";
import { startLabelThrottleProxy, type LabelThrottleProxy } from "./label-throttle-proxy.js";
import { startRestartableRedis, type RestartableRedis } from "./restartable-redis.js";
import { openQueue } from "../test/support/queue.js";
import { workerPool, type WorkerPool } from "./workers.js";

export interface ChaosOptions {
  iterations: number;
  workers: number;
  usersPerIteration: number;
  /** CreateAccessKey per second in the simulator and the config (other actions in Tencent's proportions). */
  createLimit: number;
}

export interface ChaosWorld {
  options: ChaosOptions;
  dir: string;
  redis: RestartableRedis;
  sim: RunningCamSimulator;
  moto: DurableMoto;
  /** In front of moto: the vault endpoint of workers and driver. */
  labelThrottle: LabelThrottleProxy;
  createHooks: CreateHooks;
  tap: SecretTap;
  fleet: Fleet;
  account: FleetAccount;
  config: Config;
  /** The workers' config as given to them (before parsing), for a worker started with a drifted copy. */
  rawConfig: Record<string, unknown>;
  runtime: Runtime;
  /** The engine's BullMQ queue, for looking at and moving jobs directly. */
  queue: Queue;
  workers: WorkerPool;
  /** Every SecretAccessKey issued or seeded, plus those the workers wrote to the secrets file. */
  secrets(): Set<string>;
  close(): Promise<void>;
}

export const CHAOS_PREFIX = "chaos";
/**
 * Longer than a killed worker takes to come back, so a replica with a drifted config never finds itself alone
 * because the others' fingerprints lapsed during their restarts; a stopped worker withdraws its own at once.
 */
const CHAOS_FLEET_CHECK = { ttlMs: 8_000, intervalMs: 300 };

export async function startChaosWorld(options: ChaosOptions): Promise<ChaosWorld> {
  const dir = mkdtempSync(join(tmpdir(), "cam-rotator-chaos-"));
  mkdirSync(join(dir, "redis"));
  const tap = tapIssuedSecrets();
  const fleet = buildFleet({
    accounts: 1,
    usersPerAccount: options.iterations * options.usersPerIteration,
    createLimit: options.createLimit,
  });
  const [redis, sim, moto] = await Promise.all([
    startRestartableRedis(join(dir, "redis")),
    startCamSimulator({ seed: fleet.seed }),
    startDurableMoto(dir),
  ]);
  const labelThrottle = await startLabelThrottleProxy(moto.url);
  const raw = workerConfig(fleet, {
    redisUrl: redis.url,
    prefix: CHAOS_PREFIX,
    simulatorUrl: sim.url,
    concurrency: 2,
    vault: {
      type: "aws-secrets-manager",
      region: "us-east-1",
      endpoint: labelThrottle.url,
      nameTemplate: "chaos/{account}/{uin}",
    },
    // Enough attempts to outlast a moto or Redis restart with the short test backoff; retirement stays far away
    // so that the only jobs are the iteration's rotations.
    extra: { rotation: { verifyTimeout: "5s", parkRecheck: "1m", attempts: 25, keepFailed: 1000 } },
  });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_OPTIONS: "",
    LOG_LEVEL: "info",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...fleet.env,
  };
  for (const name of [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_REGION",
    "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED",
  ]) {
    process.env[name] = env[name];
  }
  writeFileSync(join(dir, "config.json"), JSON.stringify(raw, null, 2));
  const config = parseConfig(raw, "chaos config", fleet.env);
  const runtime = await openRuntime(config, { log: silentLogger, env: fleet.env, role: "chaos-driver" });
  // While Redis restarts, BullMQ reports the refused connections as "error" events; the driver retries anyway.
  const queue = openQueue(runtime.redis, CHAOS_PREFIX);
  const secretsFile = join(dir, "worker-secrets.txt");
  writeFileSync(secretsFile, "");
  // The workers run the daemon's fleet check (config-drift.ts restarts one with another vault name template).
  const workers = workerPool(options.workers, { config: raw, secretsFile, fleet: CHAOS_FLEET_CHECK }, env);
  // The driver publishes the fleet's fingerprint too: a drifted worker is never alone, even while every other
  // worker is down at once (alone, its config would be the fleet's by design, as after a deploy).
  const driverFingerprint = createFleetGuard({
    redis: runtime.redis,
    prefix: CHAOS_PREFIX,
    fingerprint: configFingerprint(config),
    log: silentLogger,
    ...CHAOS_FLEET_CHECK,
  });
  await driverFingerprint.start();
  await workers.start();
  const createHooks = hookCreates(sim, fleet.accounts[0]!.ownerUin, () => runtime.redis);
  return {
    options,
    dir,
    redis,
    sim,
    moto,
    labelThrottle,
    createHooks,
    tap,
    fleet,
    account: fleet.accounts[0]!,
    config,
    rawConfig: raw,
    runtime,
    queue,
    workers,
    secrets: () =>
      new Set([
        ...fleet.secrets,
        ...tap.secrets,
        ...readFileSync(secretsFile, "utf8")
          .split("\n")
          .filter((line) => line !== ""),
      ]),
    async close() {
      await workers.stop();
      await driverFingerprint.stop();
      await queue.close();
      await runtime.close();
      await labelThrottle.close();
      await Promise.all([sim.close(), moto.close(), redis.stop()]);
      tap.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
