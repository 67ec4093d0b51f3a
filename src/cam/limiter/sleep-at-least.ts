// Sleeping until a reserved slot. Node's timers count from the event loop's cached time and can fire up to a
// millisecond early; a call sent before its slot eats into the window's safety margin, so we re-check against
// the monotonic clock and sleep again if woken early.
import { setTimeout as sleep } from "node:timers/promises";

/** Resolves no earlier than `ms` milliseconds (fractions allowed) after the call. */
export async function sleepAtLeast(ms: number): Promise<void> {
  const target = performance.now() + ms;
  for (let left = ms; left > 0; left = target - performance.now()) {
    await sleep(Math.ceil(left));
  }
}
