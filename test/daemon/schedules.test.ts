import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import type { AccountConfig } from "../../src/config/index.js";
import { silentLogger } from "../../src/log.js";
import { createRedisRunCoordinator } from "../../src/daemon/run-coordinator.js";
import { nextRunOf, startSchedules, type FireOutcome } from "../../src/daemon/schedules.js";

const redis = new Redis(inject("redisUrl"));
afterAll(() => redis.quit());

const account = (name: string, schedule: string, timezone = "UTC") =>
  ({
    name,
    schedule,
    timezone,
    users: [100000000011],
    maxKeyAgeDays: 90,
    overLimit: "auto",
    credentials: { secretIdEnv: "X", secretKeyEnv: "Y" },
    retire: { deactivateAfter: 1, deleteAfter: 1 },
    requestTimeout: 1000,
  }) as AccountConfig;

describe("account schedules", () => {
  it("two replicas firing every second enqueue each slot's sweep exactly once", async () => {
    const prefix = `t-${randomUUID()}`;
    const enqueued: Array<{ replica: number; account: string; slot: number }> = [];
    const fires: Array<{ replica: number; slot: number; outcome: FireOutcome }> = [];
    const replicas = [0, 1].map((replica) =>
      startSchedules({
        accounts: [account("main", "* * * * * *")],
        coordinator: createRedisRunCoordinator({ redis, prefix, owner: `replica-${replica}` }),
        log: silentLogger,
        engine: {
          async enqueueSweep(name, slot) {
            enqueued.push({ replica, account: name, slot });
            return { jobId: `sweep-${name}-${slot}`, added: true };
          },
        },
        onFire: (_account, slot, outcome) => fires.push({ replica, slot, outcome }),
      })
    );
    await sleep(3_200);
    await Promise.all(replicas.map((replica) => replica.stop()));

    const slots = [...new Set(fires.map((fire) => fire.slot))];
    expect(slots.length).toBeGreaterThanOrEqual(3);
    for (const slot of slots) {
      expect(slot % 1000).toBe(0);
      expect(enqueued.filter((entry) => entry.slot === slot)).toHaveLength(1);
      // Both replicas saw the slot: one enqueued it, the other was not elected.
      expect(
        fires
          .filter((fire) => fire.slot === slot)
          .map((fire) => fire.outcome)
          .sort()
      ).toEqual(["enqueued", "not-elected"]);
    }
    expect(new Set(enqueued.map((entry) => entry.replica)).size).toBeGreaterThanOrEqual(1);
  });

  it("reports the next run of each account in its time zone", () => {
    const next = nextRunOf(account("main", "0 3 * * *", "Asia/Shanghai"));
    expect(next).not.toBeNull();
    // 03:00 in Shanghai is 19:00 UTC the day before.
    expect(next!.getUTCHours()).toBe(19);
    expect(next!.getUTCMinutes()).toBe(0);
    expect(next!.getTime()).toBeGreaterThan(Date.now());
    expect(next!.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
  });

  it("stops firing once stopped", async () => {
    let calls = 0;
    const schedules = startSchedules({
      accounts: [account("main", "* * * * * *")],
      coordinator: createRedisRunCoordinator({ redis, prefix: `t-${randomUUID()}`, owner: "x" }),
      log: silentLogger,
      engine: {
        enqueueSweep: async (name, slot) => {
          calls++;
          return { jobId: `sweep-${name}-${slot}`, added: true };
        },
      },
    });
    expect(Object.keys(schedules.nextRuns())).toEqual(["main"]);
    await schedules.stop();
    await sleep(1_500);
    expect(calls).toBe(0);
  });
});
