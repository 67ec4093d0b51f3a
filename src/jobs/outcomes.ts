// How a rotate job's last run ended. BullMQ removes completed rotate jobs (so the same id can be enqueued again),
// which takes their return value with them; waitForRotation reads the outcome from here instead. Ids only.
import type { Redis } from "ioredis";
import type { RotationOutcome } from "./engine/face.js";
import type { EngineKeys } from "./keys.js";

const KEEP_SECONDS = 86_400;

export interface StoredOutcome {
  /** BullMQ's job.timestamp of the job that ended: tells this job's outcome from an earlier one's. */
  jobTimestamp: number;
  outcome: RotationOutcome;
}

export interface OutcomeStore {
  save(jobId: string, jobTimestamp: number, outcome: RotationOutcome): Promise<void>;
  load(jobId: string): Promise<StoredOutcome | null>;
}

export function createOutcomeStore(redis: Redis, keys: EngineKeys): OutcomeStore {
  return {
    async save(jobId, jobTimestamp, outcome) {
      await redis.set(keys.outcome(jobId), JSON.stringify({ jobTimestamp, outcome }), "EX", KEEP_SECONDS);
    },
    async load(jobId) {
      const text = await redis.get(keys.outcome(jobId));
      return text ? (JSON.parse(text) as StoredOutcome) : null;
    },
  };
}
