// One chaos iteration: fresh users (each holding one key that the vault holds as current) are rotated by the
// worker processes while the iteration kills workers with SIGKILL at random moments and restarts them, injects
// simulator faults, throttles AWSPENDING removals, adds operator keys during lost create answers, pauses Redis
// right after CreateAccessKey, and sometimes restarts moto or Redis. Half the users are rotated a second time
// (making room by retiring the previous key: its retirement grace is cut short, as if it had passed). A rotation
// parked on a flagged key is approved by the "operator" (once every operator key not yet approved is checked to
// be still in CAM). Then every rotation must have ended "rotated" (a failed one gets one operator retry) and the
// shared invariant checker must find nothing.
import { setTimeout as sleep } from "node:timers/promises";
import { createCamClient } from "../src/cam/client.js";
import type { RotationOutcome } from "../src/jobs/engine/face.js";
import { checkInvariants } from "../test/support/invariants.js";
import { engineKeys } from "../src/jobs/keys.js";
import { jobIds } from "../src/jobs/queue.js";
import { GRACE_REASON } from "../src/jobs/rotate/make-room.js";
import { fillVault, type Fleet } from "../bench/population.js";
import { driftedVaultViolations, driftOneWorker } from "./config-drift.js";
import { armEngineFaults, injectFaults, randomFaults } from "./faults.js";
import type { Random } from "./random.js";
import type { ChaosWorld } from "./world.js";

export interface IterationResult {
  index: number;
  users: number;
  rotations: number;
  kills: number;
  /** Fault applications: requests the simulator answered with an injected fault. */
  faults: number;
  motoRestarts: number;
  redisRestarts: number;
  /** Workers restarted with a drifted vault config for a while (config-drift.ts). */
  configDrifts: number;
  /** Rotations that failed for good and were retried once by the "operator". */
  retried: number;
  throttled: number;
  /** AWSPENDING removals answered ThrottlingException. */
  labelThrottles: number;
  /** Keys an "operator" added while a create's answer was lost. */
  operatorKeys: number;
  /** CLIENT PAUSEs right after a CreateAccessKey answer. */
  redisPauses: number;
  /** Flagged keys the "operator" approved for removal, to let parked rotations finish. */
  approvals: number;
  violations: string[];
  seconds: number;
}

/** Long enough for a moto or Redis restart plus a killed worker's lock to lapse, several times over. */
const SETTLE_MS = 120_000;

export interface IterationChoices {
  motoRestart: boolean;
  redisRestart: boolean;
  /** Default false. */
  configDrift?: boolean;
}

export async function runIteration(
  world: ChaosWorld,
  index: number,
  random: Random,
  choices: IterationChoices
): Promise<IterationResult> {
  const started = Date.now();
  const { options, account, runtime, sim } = world;
  const users = account.users.slice(index * options.usersPerIteration, (index + 1) * options.usersPerIteration);
  const uins = users.map((user) => user.uin);
  const violations: string[] = [];
  const tally = { kills: 0, motoRestarts: 0, redisRestarts: 0, configDrifts: 0 };
  const logStart = sim.simulator.requests().length;
  const throttledBefore = throttledSoFar(world);
  const before = {
    labelThrottles: world.labelThrottle.answered,
    operatorKeys: world.createHooks.operatorKeys.length,
    redisPauses: world.createHooks.redisPauses,
  };
  const operator: Operator = { approved: new Set(), violations: new Set(), firstKey: before.operatorKeys };

  // The previous iteration has settled: its secrets are no longer needed, and a short recording replays fast.
  if (index > 0) await world.moto.reset();
  const fleetOfIteration: Fleet = { ...world.fleet, accounts: [{ ...account, users }] };
  await fillVault(runtime.vault, fleetOfIteration, options.usersPerIteration);

  await injectFaults(sim.url, [...randomFaults(random, random.int(2, 5)), ...armEngineFaults(world, random)]);
  const deadline = Date.now() + SETTLE_MS;
  const disruptions = scheduleDisruptions(world, random, choices, tally, violations);

  // Every user is rotated, and every other user once more as soon as its first rotation ends.
  const chains = await Promise.all(
    uins.map(async (uin, position) => {
      const first = await rotateOne(world, uin, deadline, operator);
      return position % 2 === 0 && isRotated(first.outcome)
        ? [first, await rotateAgain(world, uin, first.outcome, deadline, operator)]
        : [first];
    })
  );
  await Promise.all(disruptions);
  const outcomes = chains.flat();
  violations.push(...chains.flatMap(sameKeyReportedTwice).map((problem) => `iteration ${index + 1}: ${problem}`));

  // An operator's retry of what failed for good (e.g. a job that stalled more often than BullMQ allows).
  const failed = outcomes
    .filter(({ outcome }) => !(outcome instanceof Error) && outcome.kind === "failed")
    .map(({ uin }) => uin);
  const retried = await Promise.all(failed.map((uin) => rotateOne(world, uin, deadline, operator)));
  const finalOf = new Map<number, RotationOutcome | Error>();
  for (const { uin, outcome } of [...outcomes, ...retried]) finalOf.set(uin, outcome);
  for (const [uin, outcome] of finalOf) {
    if (outcome instanceof Error)
      violations.push(`iteration ${index + 1}: rotation of ${uin} did not end: ${outcome.message}`);
    else if (outcome.kind !== "rotated")
      violations.push(`iteration ${index + 1}: rotation of ${uin} ended ${outcome.kind}: ${JSON.stringify(outcome)}`);
  }

  await drainCheckerFaults(world);
  const operatorKeys = new Set(world.createHooks.operatorKeys.slice(before.operatorKeys));
  const problems = await checkInvariants({
    simulatorUrl: sim.url,
    vault: runtime.vault,
    accounts: [{ account: account.name, ownerUin: account.ownerUin, uins }],
    operatorKeys: { ids: operatorKeys, approved: operator.approved },
  });
  violations.push(
    ...(await withKeyTrails(world, [...operator.violations, ...problems]).then((found) =>
      found.map((problem) => `iteration ${index + 1}: ${problem}`)
    ))
  );
  if (tally.configDrifts > 0)
    violations.push(
      ...(await driftedVaultViolations(world, uins)).map((problem) => `iteration ${index + 1}: ${problem}`)
    );

  const faults = sim.simulator
    .requests()
    .slice(logStart)
    .filter((entry) => entry.fault !== undefined).length;
  return {
    index,
    users: uins.length,
    rotations: [...outcomes, ...retried].filter(({ outcome }) => isRotated(outcome)).length,
    ...tally,
    faults,
    retried: failed.length,
    throttled: throttledSoFar(world) - throttledBefore,
    labelThrottles: world.labelThrottle.answered - before.labelThrottles,
    operatorKeys: operatorKeys.size,
    redisPauses: world.createHooks.redisPauses - before.redisPauses,
    approvals: operator.approved.size,
    violations,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** The "operator": approves flagged keys so parked rotations finish, and notes operator keys deleted unapproved. */
interface Operator {
  approved: Set<string>;
  violations: Set<string>;
  /** Index of this iteration's first key in the world's list of operator keys (earlier ones are settled). */
  firstKey: number;
}

/** Parked on a newly flagged key more often than this means something keeps adding keys: report it. */
const APPROVAL_ROUNDS = 3;

async function rotateOne(
  world: ChaosWorld,
  uin: number,
  deadline: number,
  operator: Operator
): Promise<{ uin: number; outcome: RotationOutcome | Error }> {
  const { engine } = world.runtime;
  const account = world.account.name;
  const jobId = jobIds.rotate(account, uin);
  const wait = () => engine.waitForRotation(jobId, undefined, Math.max(1_000, deadline - Date.now()));
  try {
    await engine.enqueueRotation({ account, uin, force: true, reason: "manual" });
    let outcome = await wait();
    // A wait for the previous key's retirement grace is not a flag: rotateAgain ends it.
    for (
      let round = 0;
      outcome.kind === "parked" && outcome.reason !== GRACE_REASON && round < APPROVAL_ROUNDS;
      round++
    ) {
      await approveFlagged(world, operator, outcome.flaggedKeyId);
      outcome = await wait();
    }
    return { uin, outcome };
  } catch (error) {
    return { uin, outcome: error instanceof Error ? error : new Error(String(error)) };
  }
}

/**
 * A second rotation parks while the first one's previous key is in its retirement grace (far away here): the
 * grace is cut short by running that retirement now, and its end wakes the parked rotation.
 */
async function rotateAgain(
  world: ChaosWorld,
  uin: number,
  first: RotationOutcome | Error,
  deadline: number,
  operator: Operator
): Promise<{ uin: number; outcome: RotationOutcome | Error }> {
  const again = await rotateOne(world, uin, deadline, operator);
  const previousKeyId = !(first instanceof Error) && first.kind === "rotated" ? first.previousKeyId : null;
  if (
    again.outcome instanceof Error ||
    again.outcome.kind !== "parked" ||
    again.outcome.reason !== GRACE_REASON ||
    !previousKeyId
  )
    return again;
  const { engine } = world.runtime;
  const account = world.account.name;
  await (
    await world.queue.getJob(jobIds.retire(account, uin, previousKeyId, "deactivate"))
  )
    ?.promote()
    .catch(() => undefined);
  let outcome: RotationOutcome | Error = again.outcome;
  for (let round = 0; !(outcome instanceof Error) && outcome.kind === "parked" && Date.now() < deadline;) {
    // After the grace, a flagged key (an operator's, or one from a lost create answer) may still be in the way.
    if (outcome.reason !== GRACE_REASON && round++ < APPROVAL_ROUNDS)
      await approveFlagged(world, operator, outcome.flaggedKeyId);
    else await sleep(200);
    outcome = await engine
      .waitForRotation(jobIds.rotate(account, uin), undefined, Math.max(1_000, deadline - Date.now()))
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  }
  return { uin, outcome };
}

async function approveFlagged(world: ChaosWorld, operator: Operator, keyId: string): Promise<void> {
  await checkOperatorKeys(world, operator);
  operator.approved.add(keyId);
  // The flag may be gone already (its key removed meanwhile); the rotation then resumes at its re-check.
  await world.runtime.engine.approveRemoval(keyId).catch(() => undefined);
}

/** Before any approval: every operator key not approved yet must still be in CAM (P3). */
async function checkOperatorKeys(world: ChaosWorld, operator: Operator): Promise<void> {
  const present = new Set(
    world.sim.simulator
      .snapshot()
      .accounts.flatMap((account) => account.users)
      .flatMap((user) => user.keys)
      .map((key) => key.accessKeyId)
  );
  for (const id of world.createHooks.operatorKeys.slice(operator.firstKey)) {
    if (!present.has(id) && !operator.approved.has(id))
      operator.violations.add(`operator key ${id} was deleted without approval`);
  }
}

/** "rotated" must mean a new key: never the previous one again, never the same one for two rotations of a user. */
function sameKeyReportedTwice(chain: Array<{ uin: number; outcome: RotationOutcome | Error }>): string[] {
  const rotated = chain.flatMap(({ outcome }) =>
    !(outcome instanceof Error) && outcome.kind === "rotated" ? [outcome] : []
  );
  const ids = rotated.map((outcome) => outcome.newKeyId);
  return [
    ...(new Set(ids).size < ids.length ? [`rotation of ${chain[0]!.uin} reported key ${ids[0]} as new twice`] : []),
    ...rotated
      .filter((outcome) => outcome.newKeyId === outcome.previousKeyId)
      .map(() => `rotation of ${chain[0]!.uin} reported its previous key as the new one`),
  ];
}

/** A violation naming a key gets that key's event trail, so it can be told what happened to it. */
async function withKeyTrails(world: ChaosWorld, problems: string[]): Promise<string[]> {
  if (problems.length === 0) return problems;
  const events = await world.runtime.engine.readEvents({ count: 10_000 });
  return problems.map((problem) => {
    const keyId = /\b(AKID[A-Za-z0-9]+)\b/.exec(problem)?.[1];
    const trail =
      keyId === undefined
        ? []
        : events
            .filter((event) => event.keyId === keyId || event.detail?.includes(keyId))
            .map((event) => `${event.step}/${event.type}${event.detail ? ` (${event.detail})` : ""}`);
    return trail.length === 0 ? problem : `${problem}; its events: ${trail.join(", ")}`;
  });
}

const isRotated = (outcome: RotationOutcome | Error) => !(outcome instanceof Error) && outcome.kind === "rotated";

/** SIGKILLs at random moments (each slot restarted after a pause), and a moto or Redis restart when chosen. */
function scheduleDisruptions(
  world: ChaosWorld,
  random: Random,
  choices: IterationChoices,
  tally: { kills: number; motoRestarts: number; redisRestarts: number; configDrifts: number },
  violations: string[]
): Array<Promise<void>> {
  const { workers } = world;
  const busy = new Set<number>();
  const at = (ms: number, action: () => Promise<void>) => sleep(ms).then(action);
  const kills = Array.from({ length: random.int(1, 3) }, () =>
    at(random.int(100, 3_000), async () => {
      const candidates = Array.from({ length: workers.size }, (_, slot) => slot).filter(
        (slot) => !busy.has(slot) && workers.alive(slot)
      );
      if (candidates.length === 0) return;
      const slot = random.pick(candidates);
      busy.add(slot);
      await workers.kill(slot);
      tally.kills++;
      await sleep(random.int(100, 800));
      await workers.restart(slot);
      busy.delete(slot);
    })
  );
  const restarts: Array<Promise<void>> = [];
  if (choices.motoRestart) {
    restarts.push(
      at(random.int(200, 2_000), async () => {
        await world.moto.restart();
        tally.motoRestarts++;
      })
    );
  }
  if (choices.configDrift) {
    restarts.push(
      at(random.int(100, 1_500), async () => {
        if (await driftOneWorker(world, random, busy)) tally.configDrifts++;
      })
    );
  }
  if (choices.redisRestart) {
    restarts.push(
      at(random.int(200, 2_000), async () => {
        violations.push(...(await restartRedisLosingNothing(world)));
        tally.redisRestarts++;
      })
    );
  }
  return [...kills, ...restarts];
}

/**
 * Kills Redis (SIGKILL) and starts it again from its AOF. Every job that existed just before must exist after,
 * unless it finished in between (then its outcome record exists). Returns violations.
 */
export async function restartRedisLosingNothing(world: ChaosWorld): Promise<string[]> {
  const { queue } = world;
  const before = (await queue.getJobs(["waiting", "active", "delayed", "prioritized", "failed", "waiting-children"]))
    .filter((job) => job?.id !== undefined)
    .map((job) => ({ id: job.id!, timestamp: job.timestamp }));
  await world.redis.restart({ downMs: 300 });
  const lost: string[] = [];
  for (const job of before) {
    const still = await queue.getJob(job.id);
    if (still) continue;
    const outcome = await world.runtime.redis.get(engineKeys(world.config.redis.prefix).outcome(job.id));
    if (outcome && (JSON.parse(outcome) as { jobTimestamp: number }).jobTimestamp >= job.timestamp) continue;
    lost.push(`job ${job.id} was lost in a Redis restart`);
  }
  return lost;
}

/**
 * Faults still queued for GetUserAppId (or any action) would hit the invariant checker's own authentication
 * calls; they are used up with harmless calls signed by the rotator's key first.
 */
async function drainCheckerFaults(world: ChaosWorld): Promise<void> {
  const pending = world.sim.simulator
    .snapshot()
    .faults.filter((fault) => fault.action === "GetUserAppId" || fault.action === "*");
  const times = pending.reduce((sum, fault) => sum + fault.times, 0);
  if (times === 0) return;
  const client = createCamClient(
    {
      name: world.account.name,
      endpoint: world.sim.url,
      credentials: {
        secretId: world.account.rotatorKey.accessKeyId,
        secretKey: world.account.rotatorKey.secretAccessKey,
      },
      requestTimeoutSec: 5,
    },
    { gate: { admit: () => sleep(60), penalize: () => sleep(1_000) }, throttleRetries: 0 }
  );
  for (let call = 0; call < times; call++) await client.getUserAppId().catch(() => undefined);
}

function throttledSoFar(world: ChaosWorld): number {
  return Object.values(world.sim.simulator.snapshot().counters).reduce((sum, counter) => sum + counter.throttled, 0);
}
