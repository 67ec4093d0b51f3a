// The missed-sweep watch against the real engine queue: slots no replica fired are reported once the tolerance
// has passed, slots a replica fired (its sweep job exists) are not, and slots before the watch started are
// never judged.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisRunCoordinator } from "../../src/daemon/run-coordinator.js";
import { startSchedules } from "../../src/daemon/schedules.js";
import { jobIds } from "../../src/jobs/queue.js";
import { silentLogger } from "../../src/log.js";
import { startSweepWatch } from "../../src/notify/sweep-watch.js";
import { ACCOUNT, createRig, type Rig } from "../support/harness.js";

let rig: Rig;
beforeAll(async () => {
  rig = await createRig({ worker: false });
});
afterAll(() => rig?.close());

const everySecond = () => [{ ...rig.config.accounts[0]!, schedule: "* * * * * *" }];
const sweepExists = async (account: string, slot: number) =>
  (await rig.queue.getJob(jobIds.sweep(account, slot))) !== undefined;

describe("missed sweep watch", () => {
  it("reports each slot that no replica fired, after the tolerance, and only slots after it started", async () => {
    const started = Date.now();
    const missed: number[] = [];
    const watch = startSweepWatch({
      accounts: everySecond(),
      toleranceMs: 1_000,
      tickMs: 100,
      log: silentLogger,
      sweepExists,
      onMissed: (account, slot) => {
        expect(account).toBe(ACCOUNT);
        missed.push(slot);
      },
    });
    await sleep(3_600);
    watch.stop();
    expect(missed.length).toBeGreaterThanOrEqual(2);
    expect(new Set(missed).size).toBe(missed.length);
    for (const slot of missed) {
      expect(slot).toBeGreaterThan(started);
      expect(slot % 1_000).toBe(0);
    }
  });

  it("reports nothing while a replica fires every slot", async () => {
    const coordinator = createRedisRunCoordinator({
      redis: rig.redis,
      prefix: `${rig.prefix}-${randomUUID()}`,
      owner: "replica",
    });
    const schedules = startSchedules({ accounts: everySecond(), engine: rig.engine, coordinator, log: silentLogger });
    const missed: number[] = [];
    const watch = startSweepWatch({
      accounts: everySecond(),
      toleranceMs: 1_000,
      tickMs: 100,
      log: silentLogger,
      sweepExists,
      onMissed: (_account, slot) => missed.push(slot),
    });
    await sleep(3_600);
    watch.stop();
    await schedules.stop();
    expect(missed).toEqual([]);
    const fired = (await rig.queue.getJobs(["waiting"])).filter((job) => job.name === "sweep");
    expect(fired.length).toBeGreaterThanOrEqual(2);
  });
});
