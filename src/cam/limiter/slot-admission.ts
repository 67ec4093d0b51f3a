// The admit loop every Redis-backed gate shares (the CAM gate per account and action, the vault's quota gate per
// region and pool): reserve a slot with reserveSlot-1.lua, sleep until it, take a new one when the caller is too
// late for it, and report a slot beyond the caller's bound instead of reserving it. The gates pick keys and intervals.
import type { Reservation } from "./scripts.js";
import { sleepAtLeast } from "./sleep-at-least.js";

export const GATE_DEFAULTS = { maxWaitMs: 2000, penaltyMs: 1000, safetyMarginMs: 20 } as const;

/** A call may wake this late for its slot whatever the margin (see admitSlot). */
const MIN_LATE_LIMIT_MS = 5;

export interface GateTiming {
  maxWaitMs: number;
  penaltyMs: number;
  safetyMarginMs: number;
  /** Half the margin (at least MIN_LATE_LIMIT_MS): how late after its slot a caller may still send. */
  lateLimitMs: number;
}

/** The gate options with their defaults, checked; `gate` names the gate in errors ("createRedisGate"). */
export function gateTiming(
  gate: string,
  options: { maxWaitMs?: number; penaltyMs?: number; safetyMarginMs?: number }
): GateTiming {
  const nonNegative = (name: string, value: number): number => {
    if (!(Number.isFinite(value) && value >= 0))
      throw new Error(`${gate}: ${name} must be a finite number >= 0, got ${value}`);
    return value;
  };
  const safetyMarginMs = nonNegative("safetyMarginMs", options.safetyMarginMs ?? GATE_DEFAULTS.safetyMarginMs);
  return {
    maxWaitMs: nonNegative("maxWaitMs", options.maxWaitMs ?? GATE_DEFAULTS.maxWaitMs),
    penaltyMs: nonNegative("penaltyMs", options.penaltyMs ?? GATE_DEFAULTS.penaltyMs),
    safetyMarginMs,
    // The other half of the margin covers what happens after the gate: signing, the network, the server's front
    // end. The floor keeps a tiny margin from sending every call round again for a Redis round trip.
    lateLimitMs: Math.max(safetyMarginMs / 2, MIN_LATE_LIMIT_MS),
  };
}

/** Microseconds between two admissions, rounded up so that N + 1 slots never span less than 1000 + margin ms. */
export function slotIntervalUs(limit: number, safetyMarginMs: number): number {
  return Math.ceil(((1000 + safetyMarginMs) * 1000) / limit);
}

export type SlotAdmission = { kind: "admitted"; reservation: Reservation } | { kind: "deferred"; retryAfterMs: number };

/**
 * Takes a slot through `reserve` (reserveSlot-1.lua with the caller's key and interval) and sleeps until it.
 * Resolves "deferred" when the slot lies beyond maxWaitMs (nothing reserved); `missed` hears each slot left
 * unused because the caller could not send within lateLimitMs after it.
 */
export async function admitSlot(
  reserve: (maxWaitUs: number) => Promise<Reservation>,
  timing: GateTiming,
  missed: (lateMs: number) => void
): Promise<SlotAdmission> {
  for (;;) {
    const reservation = await reserve(Math.round(timing.maxWaitMs * 1000));
    const repliedAt = performance.now();
    const waitMs = reservation.waitUs / 1000;
    if (!reservation.admitted) return { kind: "deferred", retryAfterMs: Math.ceil(waitMs) };
    // The reply left Redis after its TIME was read, so sleeping waitMs from now lands at or after the slot.
    await sleepAtLeast(waitMs);
    // How late the timer woke us (a busy event loop, a starved CPU). A call that goes out late shortens the
    // window to the call N slots after it; past half the margin the slot is left unused (the bound only counts
    // calls that were sent) and the caller takes a new one. A reply that sat unread on a busy event loop is not
    // seen here (counting from the ask instead cost full-speed throughput on a contended host; see the README).
    const lateMs = performance.now() - repliedAt - waitMs;
    if (lateMs <= timing.lateLimitMs) return { kind: "admitted", reservation };
    missed(lateMs);
  }
}
