// The gate for the BullMQ-limiter baseline: BullMQ's `limiter: { max, duration }` decides when jobs start, so
// every CAM call is admitted at once. After a RequestLimitExceeded it waits the same penalty our gate imposes,
// so the client's retry behaviour is the same in every row.
import { setTimeout as sleep } from "node:timers/promises";
import type { CallGate } from "../../src/cam/limiter/gate.js";

export function openGate(penaltyMs: number): CallGate {
  return {
    async admit() {
      // Admitted immediately: the queue's limiter is the only pacing.
    },
    async penalize() {
      await sleep(penaltyMs);
    },
  };
}
