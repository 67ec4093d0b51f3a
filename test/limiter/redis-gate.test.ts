// The Redis gate as callers use it: waiting for a slot, deferring beyond the bound, the penalty, per-account
// limits and option validation. tryAdmit (./try-admit.ts) reads a pair's next free slot without waiting for it.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRedisGate, limiterKey, slotIntervalUs, type LimiterEvent } from "../../src/cam/limiter/redis-gate.js";
import { LimiterDeferral } from "../../src/cam/limiter/gate.js";
import { expectNoSendBeforeItsSlot } from "./no-send-before-slot.js";
import { tryAdmit } from "./try-admit.js";

let redis: Redis;
const newPrefix = () => `t-${randomUUID()}`;
beforeAll(async () => {
  redis = new Redis(inject("redisUrl"));
  // Connected and warm before the first test, as a running daemon is (admit-child.ts does the same): a call's
  // lateness counts from when it asked Redis, so connecting and loading the script would count as lateness.
  await createRedisGate({ redis, prefix: newPrefix() }).admit("warm-up", "ListUsers");
});
afterAll(async () => {
  await redis.quit();
});

const nowMs = () => performance.timeOrigin + performance.now();

describe("createRedisGate", () => {
  it("spaces one pair's calls (1000 + margin) / limit ms apart; admit() sleeps until the slot", async () => {
    const events: LimiterEvent[] = [];
    const gate = createRedisGate({
      redis,
      prefix: newPrefix(),
      limitFor: () => 10,
      safetyMarginMs: 10,
      observe: (event) => events.push(event),
    });
    const started = performance.now();
    const sent: number[] = [];
    for (let i = 0; i < 4; i++) {
      await gate.admit("acct", "CreateAccessKey");
      sent.push(nowMs());
    }
    // Each call waits for the slot after the previous one: 3 intervals of 101 ms at least, however late each woke.
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * 101 - 1);
    const slots = events.map((event) => (event.kind === "admitted" ? event.slotMs : Number.NaN));
    expect(slots.slice(1).map((slot, i) => Math.round((slot - slots[i]!) * 1000))).toEqual([101_000, 101_000, 101_000]);
    expectNoSendBeforeItsSlot(slots, sent);
    expect(events.map((event) => event.kind)).toEqual(["admitted", "admitted", "admitted", "admitted"]);
    expect(events[0]!.waitMs).toBe(0);
    expect(events[3]!.waitMs).toBeGreaterThan(50);
  });

  it("runs concurrent callers back to back at full speed: 40 calls at 50/s take 39 intervals", async () => {
    const gate = createRedisGate({ redis, prefix: newPrefix(), limitFor: () => 50 });
    const started = nowMs();
    const sent = await Promise.all(
      Array.from({ length: 40 }, async () => {
        await gate.admit("acct", "ListAccessKeys");
        return nowMs();
      })
    );
    const span = Math.max(...sent) - Math.min(...sent);
    const interval = slotIntervalUs(50, 20) / 1000;
    expect(span).toBeGreaterThanOrEqual(39 * interval - 10);
    expect(span).toBeLessThan(39 * interval + 40);
    expect(Math.min(...sent) - started).toBeLessThan(40);
  });

  it("throws LimiterDeferral with the retry-after when the slot lies beyond maxWaitMs, reserving nothing", async () => {
    const events: LimiterEvent[] = [];
    const gate = createRedisGate({
      redis,
      prefix: newPrefix(),
      limitFor: () => 1,
      maxWaitMs: 200,
      observe: (event) => events.push(event),
    });
    await gate.admit("acct", "UpdateAccessKey");
    const deferral = await gate.admit("acct", "UpdateAccessKey").catch((error: unknown) => error);
    expect(deferral).toBeInstanceOf(LimiterDeferral);
    const { account, action, retryAfterMs } = deferral as LimiterDeferral;
    expect({ account, action }).toEqual({ account: "acct", action: "UpdateAccessKey" });
    expect(retryAfterMs).toBeGreaterThan(900);
    expect(retryAfterMs).toBeLessThanOrEqual(1020);
    // Nothing was reserved: the next caller is told about the same slot, not one a second later.
    const again = (await gate.admit("acct", "UpdateAccessKey").catch((error: unknown) => error)) as LimiterDeferral;
    expect(again.retryAfterMs).toBeLessThanOrEqual(retryAfterMs);
    expect(events.map((event) => event.kind)).toEqual(["admitted", "deferred", "deferred"]);
    expect(events[1]!.waitMs).toBe(retryAfterMs);
  });

  it("tryAdmit never waits: go when the slot is free, otherwise the retry-after", async () => {
    const probe = { redis, prefix: newPrefix(), limit: 2 };
    expect(await tryAdmit(probe, "acct", "DeleteAccessKey")).toEqual({ kind: "go" });
    const started = performance.now();
    const second = await tryAdmit(probe, "acct", "DeleteAccessKey");
    expect(performance.now() - started).toBeLessThan(100);
    expect(second.kind).toBe("wait");
    expect(second.kind === "wait" && second.retryAfterMs).toBeGreaterThan(400);
    expect(second.kind === "wait" && second.retryAfterMs).toBeLessThanOrEqual(510); // (1000 + 20) / 2
  });

  it("leaves a slot unused when the caller wakes more than half the margin late, and sends in a new one", async () => {
    const events: LimiterEvent[] = [];
    const gate = createRedisGate({
      redis,
      prefix: newPrefix(),
      limitFor: () => 10,
      safetyMarginMs: 20,
      observe: (event) => events.push(event),
    });
    await gate.admit("acct", "CreateAccessKey");
    // The second call sleeps ~101 ms for its slot; 30 ms into that sleep the event loop blocks for 200 ms.
    const second = gate.admit("acct", "CreateAccessKey").then(() => nowMs());
    await sleep(30);
    const blockUntil = performance.now() + 200;
    while (performance.now() < blockUntil) {
      /* a CPU-bound stall, as on an overloaded host */
    }
    const sentAt = await second;
    expect(events.map((event) => event.kind)).toEqual(["admitted", "missed", "admitted"]);
    expect(events[1]!.waitMs).toBeGreaterThan(10);
    const [first, , last] = events.map((event) => (event.kind === "admitted" ? event.slotMs : Number.NaN));
    // The missed slot (first + 101 ms) stays unused: the call takes a new one, at least one interval after it.
    expect(last! - first!).toBeGreaterThanOrEqual(202);
    expect(sentAt).toBeGreaterThanOrEqual(last!);
  });

  it("sends a call that wakes late by less than half the margin in its own slot", async () => {
    const events: LimiterEvent[] = [];
    const gate = createRedisGate({
      redis,
      prefix: newPrefix(),
      limitFor: () => 10,
      safetyMarginMs: 400,
      observe: (event) => events.push(event),
    });
    await gate.admit("acct", "CreateAccessKey");
    const second = gate.admit("acct", "CreateAccessKey");
    await sleep(30);
    const blockUntil = performance.now() + 200;
    while (performance.now() < blockUntil) {
      /* ~90 ms late for a 140 ms slot; the limit is 200 ms */
    }
    await second;
    expect(events.map((event) => event.kind)).toEqual(["admitted", "admitted"]);
  });

  it("penalize() makes every caller of that pair back off for the penalty window", async () => {
    const prefix = newPrefix();
    const events: LimiterEvent[] = [];
    const gate = createRedisGate({ redis, prefix, penaltyMs: 300, observe: (event) => events.push(event) });
    const otherProcess = createRedisGate({ redis, prefix });
    await gate.penalize("acct", "CreateAccessKey");
    expect(events).toEqual([{ account: "acct", action: "CreateAccessKey", kind: "penalized", waitMs: 300 }]);
    const waited = await tryAdmit({ redis, prefix }, "acct", "CreateAccessKey");
    expect(waited.kind === "wait" && waited.retryAfterMs).toBeGreaterThan(250);
    const started = performance.now();
    await otherProcess.admit("acct", "CreateAccessKey");
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    // Other pairs are untouched.
    expect(await tryAdmit({ redis, prefix }, "acct", "ListAccessKeys")).toEqual({ kind: "go" });
    expect(await tryAdmit({ redis, prefix }, "other", "CreateAccessKey")).toEqual({ kind: "go" });
  });

  it("takes per-account limits from limitFor and keeps one key per account and action", async () => {
    const prefix = newPrefix();
    const gate = createRedisGate({
      redis,
      prefix,
      maxWaitMs: 0,
      limitFor: (account, action) => (account === "slow" ? 1 : action === "CreateAccessKey" ? 1000 : 20),
    });
    await gate.admit("slow", "CreateAccessKey");
    await expect(gate.admit("slow", "CreateAccessKey")).rejects.toBeInstanceOf(LimiterDeferral);
    await gate.admit("fast", "CreateAccessKey");
    const fastNext = await tryAdmit({ redis, prefix, limit: 1000 }, "fast", "CreateAccessKey");
    expect(fastNext.kind === "go" || fastNext.retryAfterMs <= 2).toBe(true);
    expect((await redis.keys(`${prefix}*`)).sort()).toEqual(
      [limiterKey(prefix, "fast", "CreateAccessKey"), limiterKey(prefix, "slow", "CreateAccessKey")].sort()
    );
    expect(limiterKey(prefix, "slow", "CreateAccessKey")).toBe(`${prefix}:limiter:{slow}:CreateAccessKey`);
  });

  it("uses CAM's documented limits and a 20 ms margin by default (204 ms and 51 ms slots)", async () => {
    const prefix = newPrefix();
    const gate = createRedisGate({ redis, prefix });
    await gate.admit("acct", "CreateAccessKey");
    await gate.admit("acct", "ListAccessKeys");
    const create = await tryAdmit({ redis, prefix }, "acct", "CreateAccessKey");
    const list = await tryAdmit({ redis, prefix }, "acct", "ListAccessKeys");
    expect(create.kind === "wait" && create.retryAfterMs).toBeGreaterThan(150);
    expect(create.kind === "wait" && create.retryAfterMs).toBeLessThanOrEqual(204);
    expect(list.kind === "wait" && list.retryAfterMs).toBeGreaterThan(0);
    expect(list.kind === "wait" && list.retryAfterMs).toBeLessThanOrEqual(51);
  });

  it("rejects a bad limit from limitFor, naming account, action and value, and touches nothing", async () => {
    const prefix = newPrefix();
    const gate = createRedisGate({ redis, prefix, limitFor: () => 0 });
    await expect(gate.admit("acct", "CreateAccessKey")).rejects.toThrow(
      "rate limit for CreateAccessKey on account acct must be a positive number of calls per second, got 0"
    );
    await expect(
      createRedisGate({ redis, prefix, limitFor: () => Number.NaN }).admit("acct", "ListUsers")
    ).rejects.toThrow("got NaN");
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });

  it.each([
    [{ maxWaitMs: -1 }, "createRedisGate: maxWaitMs must be a finite number >= 0, got -1"],
    [{ penaltyMs: Number.POSITIVE_INFINITY }, "createRedisGate: penaltyMs must be a finite number >= 0, got Infinity"],
    [{ safetyMarginMs: -3 }, "createRedisGate: safetyMarginMs must be a finite number >= 0, got -3"],
    [{ prefix: "" }, "createRedisGate: prefix must not be empty"],
  ])("rejects bad options %j", (bad, message) => {
    expect(() => createRedisGate({ redis, prefix: "p", ...bad })).toThrow(message);
  });
});
