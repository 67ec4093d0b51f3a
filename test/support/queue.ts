// The engine's BullMQ queue opened from the test side, for tests that look at or move jobs directly (the engine's
// face exposes no BullMQ type). No vitest import: the chaos suite uses it too.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { QUEUE_NAME } from "../../src/jobs/queue.js";

export function openQueue(connection: Redis, prefix: string): Queue {
  const queue = new Queue(QUEUE_NAME, { connection, prefix });
  queue.on("error", () => undefined);
  return queue;
}
