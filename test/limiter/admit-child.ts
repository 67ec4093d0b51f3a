// A separate process for the cross-process test: admits `calls` CreateAccessKey calls through its own gate and
// connection, `concurrency` at a time, and prints as JSON the slots Redis handed out (epoch ms, Redis's clock)
// and the moments the calls went ahead (epoch ms, this host's clock).
// Usage: node --import tsx test/limiter/admit-child.ts REDIS_URL PREFIX LIMIT CALLS CONCURRENCY
import { Redis } from "ioredis";
import { readyThenWaitForGo } from "../../bench/limiter/children.js";
import { createRedisGate } from "../../src/cam/limiter/redis-gate.js";

const [redisUrl, prefix, limit, calls, concurrency] = process.argv.slice(2);
const redis = new Redis(redisUrl!);
const slots: number[] = [];
const gate = createRedisGate({
  redis,
  prefix: prefix!,
  limitFor: () => Number(limit),
  maxWaitMs: 10_000,
  observe: (event) => {
    if (event.kind === "admitted" && event.action === "CreateAccessKey") slots.push(event.slotMs);
  },
});
// Warm up the connection and the script cache on another action, so the first real call is not slower.
await gate.admit("warm-up", "ListUsers");
await readyThenWaitForGo();

const sent: number[] = [];
let remaining = Number(calls);
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (remaining-- > 0) {
      await gate.admit("acct", "CreateAccessKey");
      sent.push(performance.timeOrigin + performance.now());
    }
  })
);
await redis.quit();
process.stdout.write(`${JSON.stringify({ slots, sent })}\n`);
