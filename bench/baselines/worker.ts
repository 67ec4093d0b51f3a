// A worker process for the baselines: the daemon's own parts (openRuntime: Redis, CAM clients, vault, engine;
// then engine.startWorker with the configured concurrency) with the limiter swapped:
//   --limiter bullmq               an open gate, and BullMQ's `limiter: { max: <CreateAccessKey limit>, duration: 1000 }`
//   --limiter rateLimiterFlexible  a RateLimiterRedis gate (points = the action's limit, duration 1 s)
// Prints {"ready":true} when it takes jobs; SIGTERM shuts it down like the daemon.
//   node --import tsx bench/baselines/worker.ts --config FILE --limiter bullmq
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { accountRateLimits, loadConfigFile } from "../../src/config/index.js";
import { openRuntime } from "../../src/daemon/open-runtime.js";
import { createLogger } from "../../src/log.js";
import { openGate } from "./open-gate.js";
import { rateLimiterFlexibleGate } from "./rate-limiter-flexible.js";

const { values } = parseArgs({ options: { config: { type: "string" }, limiter: { type: "string" } } });
const config = loadConfigFile(values.config ?? "");
const kind = values.limiter;
if (kind !== "bullmq" && kind !== "rateLimiterFlexible")
  throw new Error(`--limiter: expected bullmq or rateLimiterFlexible, got ${kind}`);

const limitFor = accountRateLimits(config);
const gateRedis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
const gate =
  kind === "bullmq"
    ? openGate(config.limiter.penalty)
    : rateLimiterFlexibleGate({
        redis: gateRedis,
        prefix: config.redis.prefix,
        limitFor,
        penaltyMs: config.limiter.penalty,
      });
const log = createLogger();
// BullMQ's limiter is one per queue: the first account's CreateAccessKey limit, the same nominal rate.
const max = limitFor(config.accounts[0]!.name, "CreateAccessKey");
const runtime = await openRuntime(config, {
  log,
  role: "worker",
  seams: {
    gate,
    ...(kind === "bullmq" ? { workerOptions: (options) => ({ ...options, limiter: { max, duration: 1000 } }) } : {}),
  },
});
const worker = runtime.engine.startWorker({ concurrency: config.worker.concurrency });

process.once("SIGTERM", () => {
  void (async () => {
    await worker.close(config.worker.shutdownTimeout);
    await runtime.close();
    gateRedis.disconnect();
    process.exit(0);
  })();
});
process.stdout.write(`${JSON.stringify({ ready: true, limiter: kind })}\n`);
