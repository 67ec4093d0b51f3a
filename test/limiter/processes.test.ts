// The bound across separate Node processes: each has its own connection and gate; only Redis is shared.
import { randomUUID } from "node:crypto";
import { expect, inject, it } from "vitest";
import { runChildren } from "../../bench/limiter/children.js";
import { GATE_DEFAULTS, slotIntervalUs } from "../../src/cam/limiter/redis-gate.js";
import { maxInRollingWindow } from "../support/rolling-window.js";
import { expectNoSendBeforeItsSlot } from "./no-send-before-slot.js";

const CHILD = "test/limiter/admit-child.ts";

it("4 processes, 3 concurrent callers each, 60 calls at 20/s: at most 20 admissions in any rolling second, back to back", async () => {
  const prefix = `t-${randomUUID()}`;
  const results = (await runChildren(
    CHILD,
    Array.from({ length: 4 }, () => [inject("redisUrl"), prefix, "20", "15", "3"])
  )) as { slots: number[]; sent: number[] }[];
  expect(results.map((result) => result.slots.length)).toEqual([15, 15, 15, 15]);
  const slots = results.flatMap((result) => result.slots).sort((a, b) => a - b);
  // The slots come from one atomic script on Redis's clock: the bound is exact, and reached.
  expect(maxInRollingWindow(slots, 1000)).toBe(20);
  const interval = slotIntervalUs(20, GATE_DEFAULTS.safetyMarginMs) / 1000;
  expect(slots.slice(1).every((slot, i) => slot - slots[i]! >= interval - 0.001)).toBe(true);
  expect(slots.at(-1)! - slots[0]!).toBeLessThan(59 * interval + 100);
  for (const result of results) expectNoSendBeforeItsSlot(result.slots, result.sent);
}, 30_000);
