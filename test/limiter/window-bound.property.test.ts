// Property: whatever the arrival pattern of 1-8 clients, each on its own Redis connection with its own gate,
// no rolling second (t - 1000 ms, t] holds more than N admissions (the slots Redis handed out, on its clock),
// and no caller goes before its slot. A client that is deferred waits the retry-after and asks again, as a
// BullMQ job moved to delayed would. (How late a caller goes after its slot depends on the host's load; the
// safety margin covers that, and the simulator test checks it where it counts: at arrival.)
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { LimiterDeferral } from "../../src/cam/limiter/gate.js";
import { createRedisGate, GATE_DEFAULTS, slotIntervalUs } from "../../src/cam/limiter/redis-gate.js";
import { maxInRollingWindow } from "../support/rolling-window.js";
import { expectNoSendBeforeItsSlot } from "./no-send-before-slot.js";

const MAX_CLIENTS = 8;
let connections: Redis[] = [];
beforeAll(() => {
  connections = Array.from({ length: MAX_CLIENTS }, () => new Redis(inject("redisUrl")));
});
afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.quit()));
});

const step = fc.record({ gapMs: fc.integer({ min: 0, max: 120 }), burst: fc.integer({ min: 1, max: 3 }) });
const client = fc.record({
  steps: fc.array(step, { minLength: 1, maxLength: 5 }),
  maxWaitMs: fc.constantFrom(0, 30, 300, 2000),
});
type ClientPattern = { steps: { gapMs: number; burst: number }[]; maxWaitMs: number };

interface Played {
  /** Admitted slots, epoch ms on Redis's clock. */
  slots: number[];
  /** When each admitted caller went ahead, epoch ms on this host's clock (the same clock as Redis's here). */
  sent: number[];
  deferrals: number;
}

/** Plays the clients' patterns concurrently. */
async function play(clients: ClientPattern[], limit: number): Promise<Played> {
  const prefix = `t-${randomUUID()}`;
  const slots: number[] = [];
  const sent: number[] = [];
  let deferrals = 0;
  const callOnce = async (gate: ReturnType<typeof createRedisGate>) => {
    for (;;) {
      try {
        await gate.admit("acct", "CreateAccessKey");
        sent.push(performance.timeOrigin + performance.now());
        return;
      } catch (error) {
        if (!(error instanceof LimiterDeferral)) throw error;
        deferrals++;
        await sleep(error.retryAfterMs);
      }
    }
  };
  await Promise.all(
    clients.map(async (pattern, index) => {
      const gate = createRedisGate({
        redis: connections[index]!,
        prefix,
        limitFor: () => limit,
        maxWaitMs: pattern.maxWaitMs,
        observe: (event) => {
          if (event.kind === "admitted") slots.push(event.slotMs);
        },
      });
      const inFlight: Promise<void>[] = [];
      for (const { gapMs, burst } of pattern.steps) {
        await sleep(gapMs);
        for (let i = 0; i < burst; i++) inFlight.push(callOnce(gate));
      }
      await Promise.all(inFlight);
    })
  );
  return { slots, sent, deferrals };
}

const calls = (clients: ClientPattern[]) =>
  clients.reduce((sum, c) => sum + c.steps.reduce((s, x) => s + x.burst, 0), 0);

it("admits at most 50 in any rolling second at 50/s, for any pattern of 1-8 clients", async () => {
  let sawContention = false;
  await fc.assert(
    fc.asyncProperty(fc.array(client, { minLength: 1, maxLength: MAX_CLIENTS }), async (clients) => {
      const played = await play(clients, 50);
      expect(played.slots).toHaveLength(calls(clients));
      expect(maxInRollingWindow(played.slots, 1000)).toBeLessThanOrEqual(50);
      expectNoSendBeforeItsSlot(played.slots, played.sent);
      sawContention ||= played.deferrals > 0;
    }),
    { numRuns: 12, endOnFailure: true }
  );
  // The generator must reach the interesting case: callers that were turned away and came back.
  expect(sawContention).toBe(true);
}, 20_000);

it("admits exactly 50 per rolling second, at full speed, when 8 clients burst 120 calls at once at 50/s", async () => {
  const burst: ClientPattern = {
    steps: [
      { gapMs: 0, burst: 3 },
      { gapMs: 0, burst: 3 },
      { gapMs: 5, burst: 3 },
      { gapMs: 0, burst: 3 },
      { gapMs: 0, burst: 3 },
    ],
    maxWaitMs: 2000,
  };
  const played = await play(
    Array.from({ length: MAX_CLIENTS }, () => burst),
    50
  );
  expect(played.slots).toHaveLength(120);
  // Saturated for 2.4 s: the bound is reached, never passed, and no slot is wasted beyond a few: callers
  // deferred past maxWait come back after the retry-after, and a late one leaves a short gap.
  expect(maxInRollingWindow(played.slots, 1000)).toBe(50);
  const sorted = [...played.slots].sort((a, b) => a - b);
  expect(sorted.at(-1)! - sorted[0]!).toBeLessThan(
    (119 * slotIntervalUs(50, GATE_DEFAULTS.safetyMarginMs)) / 1000 + 100
  );
  expectNoSendBeforeItsSlot(played.slots, played.sent);
}, 20_000);

it("admits at most 5 in any rolling second at 5/s", async () => {
  const small = fc.record({
    steps: fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 300 }), burst: fc.integer({ min: 1, max: 2 }) }), {
      minLength: 1,
      maxLength: 3,
    }),
    maxWaitMs: fc.constantFrom(0, 500, 2000),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(small, { minLength: 2, maxLength: 4 }), async (clients) => {
      const played = await play(clients, 5);
      expect(maxInRollingWindow(played.slots, 1000)).toBeLessThanOrEqual(5);
      expectNoSendBeforeItsSlot(played.slots, played.sent);
    }),
    { numRuns: 2, endOnFailure: true }
  );
}, 20_000);
