// Rotation turns through the daemon's own wiring (openRuntime: the configured Redis gate paces each account's
// rotate jobs). Two accounts' backlogs queued one block after the other, as two accounts' sweeps enqueue them:
// the second account must not wait for the first account's backlog, and neither may pass its own limit. The
// simulator runs in a process of its own, as CAM does: in this one it would stamp arrivals on the engine's
// event loop.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { buildFleet, fillVault, workerConfig, type Fleet } from "../../bench/population.js";
import { startSimulatorProcess, type SimulatorHandle } from "../../bench/simulator.js";
import { maxInRollingWindow } from "../support/rolling-window.js";
import { parseConfig } from "../../src/config/index.js";
import { createConfiguredGate } from "../../src/daemon/configured-gate.js";
import { openRuntime, type Runtime } from "../../src/daemon/open-runtime.js";
import type { RotationOutcome } from "../../src/jobs/engine/face.js";
import { checkInvariants } from "../support/invariants.js";
import { QUEUE_NAME, type RotateProgress } from "../../src/jobs/queue.js";
import { silentLogger } from "../../src/log.js";

const USERS_PER_ACCOUNT = 14;

let fleet: Fleet;
let sim: SimulatorHandle;
let scratch: string;
let runtime: Runtime;
const finished: Array<{ outcome: RotationOutcome; at: number }> = [];

beforeAll(async () => {
  vi.stubEnv("AWS_ACCESS_KEY_ID", "testing");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "testing");
  // One spare user per account, left alone by the first test: a rotated user's previous key stays in its
  // retirement grace, and a second rotation of it would wait for that (issue 15 item 4).
  fleet = buildFleet({ accounts: 2, usersPerAccount: USERS_PER_ACCOUNT + 1, createLimit: 5 });
  scratch = mkdtempSync(join(tmpdir(), "cam-rotator-turns-"));
  sim = await startSimulatorProcess(join(scratch, "issued-secrets.txt"), {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
  });
  await sim.reset(fleet.seed);
  const raw = workerConfig(fleet, {
    redisUrl: inject("redisUrl"),
    prefix: `t-${randomUUID()}`,
    simulatorUrl: sim.url,
    concurrency: 6,
    vault: {
      type: "aws-secrets-manager",
      region: "us-east-1",
      endpoint: inject("motoUrl"),
      nameTemplate: `t-${randomUUID()}/{account}/{uin}`,
    },
  });
  const config = parseConfig(raw, "turns test", fleet.env);
  runtime = await openRuntime(config, {
    log: silentLogger,
    env: fleet.env,
    role: "test",
    engineObserver: { rotationFinished: (outcome) => finished.push({ outcome, at: Date.now() }) },
  });
  await fillVault(runtime.vault, fleet);
});

afterAll(async () => {
  await runtime?.close();
  await sim?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

describe("rotation turns per account", () => {
  it("starts the second account's backlog at once instead of behind the first's, within both accounts' limits", async () => {
    const [first, second] = fleet.accounts as [Fleet["accounts"][0], Fleet["accounts"][0]];
    const jobIds: string[] = [];
    for (const account of [first, second]) {
      for (const user of account.users.slice(0, USERS_PER_ACCOUNT)) {
        jobIds.push(
          (await runtime.engine.enqueueRotation({ account: account.name, uin: user.uin, force: true })).jobId
        );
      }
    }
    const worker = runtime.engine.startWorker({ concurrency: 6 });
    try {
      const outcomes = await Promise.all(jobIds.map((id) => runtime.engine.waitForRotation(id, undefined, 30_000)));
      expect(outcomes.map((outcome) => outcome.kind)).toEqual(jobIds.map(() => "rotated"));
    } finally {
      await worker.close(5_000);
    }

    // Each account alone takes about USERS_PER_ACCOUNT / 5 s. Unpaced (measured), the first account's backlog
    // holds all six worker slots and the second account's first rotation ends 1.7 s after the first account's,
    // its last 1.7 s after the first account's last. With turns both run side by side, within a slot or two.
    const endsOf = (name: string) =>
      finished
        .filter(({ outcome }) => outcome.account === name)
        .map(({ at }) => at)
        .sort();
    const firstEnds = endsOf(first.name);
    const secondEnds = endsOf(second.name);
    expect(secondEnds[0]! - firstEnds[0]!).toBeLessThan(600);
    expect(secondEnds.at(-1)! - firstEnds.at(-1)!).toBeLessThan(600);

    const requests = await sim.requests();
    expect(requests.filter((entry) => entry.outcome === "RequestLimitExceeded")).toEqual([]);
    for (const account of [first, second]) {
      const creates = requests.filter(
        (entry) => entry.action === "CreateAccessKey" && entry.secretId === account.rotatorKey.accessKeyId
      );
      expect(creates).toHaveLength(USERS_PER_ACCOUNT);
      expect(
        maxInRollingWindow(
          creates.map((entry) => entry.t),
          1000
        )
      ).toBeLessThanOrEqual(5);
    }
    const problems = await checkInvariants({
      simulatorUrl: sim.url,
      vault: runtime.vault,
      accounts: fleet.accounts.map((account) => ({
        account: account.name,
        ownerUin: account.ownerUin,
        uins: account.users.map((user) => user.uin),
      })),
    });
    expect(problems).toEqual([]);
  });

  it("parks a job whose turn is far off in the queue, holding its turn in the job's progress", async () => {
    const account = fleet.accounts[0]!;
    // Take this account's next turns first, so the rotation's turn lies seconds away.
    const { jobId } = await runtime.engine.enqueueRotation({
      account: account.name,
      uin: account.users[USERS_PER_ACCOUNT]!.uin,
      force: true,
    });
    const turnsTaken = await takeTurns(runtime, account.name, 20);
    const worker = runtime.engine.startWorker({ concurrency: 1 });
    try {
      const job = await waitForProgress(runtime, jobId);
      expect(job.step).toBe("deferred");
      const turnAt = job.turnAt ?? Number.NaN;
      expect(turnAt).toBeGreaterThan(Date.now() + 250);
      expect(turnAt).toBeLessThanOrEqual(turnsTaken.lastTurnAt + 400);
      expect(turnAt).toBeGreaterThanOrEqual(turnsTaken.lastTurnAt);
      const outcome = await runtime.engine.waitForRotation(jobId, undefined, 15_000);
      expect(outcome.kind).toBe("rotated");
      expect(finished.at(-1)!.at).toBeGreaterThanOrEqual(turnAt - 50);
    } finally {
      await worker.close(5_000);
    }
  });
});

/** Reserves `count` turns the way a worker would, through the configured gate; returns the last one's time. */
async function takeTurns(rt: Runtime, account: string, count: number): Promise<{ lastTurnAt: number }> {
  // Keyed by the account's owner UIN, as the runtime's own gate is.
  const gate = createConfiguredGate(rt.config, rt.redis, undefined, (name) => rt.owners!.limiterId(name));
  let lastTurnAt = 0;
  for (let i = 0; i < count; i++) lastTurnAt = Date.now() + (await gate.reserveRotationTurn(account));
  return { lastTurnAt };
}

/** The job's progress once it reads "deferred" (or whatever it reads after 5 s). */
async function waitForProgress(rt: Runtime, jobId: string): Promise<Partial<{ step: string; turnAt: number }>> {
  const queue = new Queue(QUEUE_NAME, { connection: rt.redis, prefix: rt.config.redis.prefix });
  try {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const job = await queue.getJob(jobId);
      const progress = job?.progress as (RotateProgress & { turnAt?: number }) | undefined;
      if (progress?.step === "deferred" || Date.now() > deadline) return progress ?? {};
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await queue.close();
  }
}
