// A probe for the limiter tests: asks reserveSlot-1.lua for the pair's slot only if it is free right now. It
// never sleeps and never throws LimiterDeferral, so a test can read how far away the next free slot of a pair
// lies. Production code always goes through the gate's admit(); this lives here so nothing test-only ships.
import type { Redis } from "ioredis";
import { DEFAULT_RATE_LIMITS, type CamAction } from "../../src/cam/actions.js";
import { GATE_DEFAULTS, limiterKey, slotIntervalUs } from "../../src/cam/limiter/redis-gate.js";
import { defineLimiterScripts } from "../../src/cam/limiter/scripts.js";

export type Admission = { kind: "go" } | { kind: "wait"; retryAfterMs: number };

export interface TryAdmitOptions {
  redis: Redis;
  /** The gate's prefix; the limiter identity is the account name, as in a gate without limiterIdOf. */
  prefix: string;
  /** Calls per second that the slot taken on "go" is spaced by; default CAM's documented limit. */
  limit?: number;
  safetyMarginMs?: number;
}

/** "go" (the slot is taken, as admit() would) when the pair's next slot is free now, else the retry-after. */
export async function tryAdmit(options: TryAdmitOptions, account: string, action: CamAction): Promise<Admission> {
  const interval = slotIntervalUs(
    options.limit ?? DEFAULT_RATE_LIMITS[action],
    options.safetyMarginMs ?? GATE_DEFAULTS.safetyMarginMs
  );
  const reservation = await defineLimiterScripts(options.redis).reserveSlot(
    limiterKey(options.prefix, account, action),
    interval,
    0
  );
  return reservation.admitted ? { kind: "go" } : { kind: "wait", retryAfterMs: Math.ceil(reservation.waitUs / 1000) };
}
