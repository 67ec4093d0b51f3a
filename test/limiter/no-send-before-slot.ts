// Shared check: every caller went at or after its own slot. If there is such a pairing of sends to slots, then
// sorted, the k-th send is no earlier than the k-th slot; that is what we can check without the pairing.
import { expect } from "vitest";

/** `slots` on Redis's clock, `sent` on the callers' (same host); 1 ms of leeway between the two clocks. */
export function expectNoSendBeforeItsSlot(slots: readonly number[], sent: readonly number[]): void {
  expect(sent).toHaveLength(slots.length);
  const bySlot = [...slots].sort((a, b) => a - b);
  const early = [...sent].sort((a, b) => a - b).filter((t, k) => t < bySlot[k]! - 1);
  expect(early).toEqual([]);
}
