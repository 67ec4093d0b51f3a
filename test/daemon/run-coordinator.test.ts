import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { coordinatorKey, createRedisRunCoordinator } from "../../src/daemon/run-coordinator.js";

const redis = new Redis(inject("redisUrl"));
afterAll(() => redis.quit());

describe("Redis run coordinator", () => {
  it("elects exactly one of several replicas for each slot, however they race", async () => {
    const prefix = `t-${randomUUID()}`;
    const replicas = ["a", "b", "c"].map((owner) =>
      createRedisRunCoordinator({ redis: redis.duplicate(), prefix, owner })
    );
    const slots = Array.from(
      { length: 30 },
      (_, i) => `sweep-main:2026-01-01T00:00:${String(i).padStart(2, "0")}.000Z`
    );
    const decisions = await Promise.all(
      slots.flatMap((slot) =>
        replicas.map(async (replica, index) => ({ slot, index, won: await replica.shouldRun(slot, 30_000) }))
      )
    );
    for (const slot of slots) {
      expect(decisions.filter((decision) => decision.slot === slot && decision.won)).toHaveLength(1);
    }
  });

  it("keeps a won slot claimed for at least the minimum lease, so a late replica cannot run it again", async () => {
    const prefix = `t-${randomUUID()}`;
    const coordinator = createRedisRunCoordinator({ redis, prefix, owner: "me", minLeaseMs: 120_000 });
    expect(await coordinator.shouldRun("sweep-main:slot", 1_000)).toBe(true);
    const ttl = await redis.pttl(coordinatorKey(prefix, "sweep-main:slot"));
    expect(ttl).toBeGreaterThan(100_000);
    expect(await redis.get(coordinatorKey(prefix, "sweep-main:slot"))).toBe("me");
    expect(await coordinator.shouldRun("sweep-main:slot", 1_000)).toBe(false);
  });

  it("does not elect across deployments with different prefixes", async () => {
    const one = createRedisRunCoordinator({ redis, prefix: `t-${randomUUID()}`, owner: "one" });
    const two = createRedisRunCoordinator({ redis, prefix: `t-${randomUUID()}`, owner: "two" });
    expect(await one.shouldRun("sweep-main:slot", 1_000)).toBe(true);
    expect(await two.shouldRun("sweep-main:slot", 1_000)).toBe(true);
  });

  it("throws when Redis is unreachable, which node-cron treats as a skipped slot (fail closed)", async () => {
    const dead = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    dead.on("error", () => undefined);
    const coordinator = createRedisRunCoordinator({ redis: dead, prefix: "t-dead", owner: "x" });
    await expect(coordinator.shouldRun("sweep-main:slot", 1_000)).rejects.toThrow();
    dead.disconnect();
  });
});
