// The rotate jobs parked on a flagged key, by job id: status lists them without reading every delayed job. A job
// is added when it parks and removed when its rotation ends (rotated, skipped or failed for good).
import type { Redis } from "ioredis";
import type { EngineKeys } from "./keys.js";

export interface ParkedStore {
  add(jobId: string): Promise<void>;
  remove(jobId: string): Promise<void>;
  list(): Promise<string[]>;
}

export function createParkedStore(redis: Redis, keys: EngineKeys): ParkedStore {
  return {
    async add(jobId) {
      await redis.sadd(keys.parked, jobId);
    },
    async remove(jobId) {
      await redis.srem(keys.parked, jobId);
    },
    list: () => redis.smembers(keys.parked),
  };
}
