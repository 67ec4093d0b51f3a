import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startKeyAgeSampler } from "../../src/daemon/key-ages.js";
import { silentLogger } from "../../src/log.js";

const redis = new Redis(inject("redisUrl"));
afterAll(() => redis.quit());

describe("oldest current key age", () => {
  it("is sampled by one replica per interval and read by all as an age that keeps growing", async () => {
    const prefix = `t-${randomUUID()}`;
    const plans: string[] = [];
    const planner = {
      async planSweep(account: string) {
        plans.push(account);
        return account === "main"
          ? [{ currentKeyAgeDays: 12 }, { currentKeyAgeDays: 95 }, { currentKeyAgeDays: null }]
          : [{ currentKeyAgeDays: null }];
      },
    };
    const options = {
      redis,
      prefix,
      accounts: ["main", "empty"],
      planner,
      log: silentLogger,
      intervalMs: 60_000,
      firstSampleMs: 60_000,
    };
    const [one, two] = [startKeyAgeSampler(options), startKeyAgeSampler(options)];
    const sampled = await Promise.all([one.sample(), two.sample()]);
    expect(sampled.sort()).toEqual([false, true]);
    expect(plans).toEqual(["main", "empty"]);

    const now = Date.now();
    const ages = await two.read(now);
    expect(ages.empty).toBeNull();
    expect(ages.main).toBeGreaterThanOrEqual(95 * 86_400 - 5);
    expect(ages.main).toBeLessThanOrEqual(95 * 86_400 + 5);
    const later = await one.read(now + 3_600_000);
    expect(later.main! - ages.main!).toBeCloseTo(3_600, 0);
    one.stop();
    two.stop();
  });
});
