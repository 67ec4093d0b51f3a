// One load-generating process: real CAM calls through createCamClient and a Redis gate, to the simulator.
// Used by bench/limiter/run.ts and by the limiter's simulator test. Prints {"ready":true}, waits for "go",
// then calls until --calls are done or --seconds have passed, printing progress lines and, last, its tally.
//
// CreateAccessKey gives each of its users two keys (the 2-key rule) and moves on; ListAccessKeys cycles.
// --gate-only takes the admissions and sends nothing: the limiter's own cost, without the SDK and HTTP.
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { DEFAULT_RATE_LIMITS, type CamAction } from "../../src/cam/actions.js";
import { CamError } from "../../src/cam/errors.js";
import { createCamClient } from "../../src/cam/client.js";
import { LimiterDeferral } from "../../src/cam/limiter/gate.js";
import { createRedisGate } from "../../src/cam/limiter/redis-gate.js";
import { readyThenWaitForGo } from "./children.js";

export type BenchAction = "CreateAccessKey" | "ListAccessKeys";

/** What a worker prints last. */
export interface WorkerTally {
  calls: number;
  ok: number;
  /** Tencent (or local) error codes of calls that failed for good. */
  errors: Record<string, number>;
  deferrals: number;
  penalties: number;
  /** The slots admitted for the benchmarked action, epoch ms on Redis's clock. */
  slots: number[];
}

const { values: opts } = parseArgs({
  options: {
    redis: { type: "string" },
    prefix: { type: "string" },
    sim: { type: "string" },
    "secret-id": { type: "string" },
    account: { type: "string", default: "bench" },
    action: { type: "string", default: "CreateAccessKey" },
    limit: { type: "string" },
    "first-uin": { type: "string" },
    users: { type: "string" },
    calls: { type: "string" },
    seconds: { type: "string" },
    concurrency: { type: "string", default: "2" },
    "margin-ms": { type: "string" },
    "gate-only": { type: "boolean", default: false },
  },
});
const required = (name: Exclude<keyof typeof opts, "gate-only">): string => {
  const value = opts[name];
  if (typeof value !== "string") throw new Error(`worker: --${name} is required`);
  return value;
};
const action = required("action") as BenchAction;
const firstUin = Number(required("first-uin"));
const users = Number(required("users"));
// The secret comes through the environment, never argv (argv shows up in `ps`).
const secretKey = process.env.CAM_BENCH_SECRET_KEY;
if (secretKey === undefined) throw new Error("worker: CAM_BENCH_SECRET_KEY is not set");

const redis = new Redis(required("redis"));
let penalties = 0;
const slots: number[] = [];
const gate = createRedisGate({
  redis,
  prefix: required("prefix"),
  // Without --limit the gate keeps CAM's documented limits.
  ...(opts.limit === undefined
    ? {}
    : {
        limitFor: (_account: string, which: CamAction) =>
          which === action ? Number(opts.limit) : DEFAULT_RATE_LIMITS[which],
      }),
  ...(opts["margin-ms"] === undefined ? {} : { safetyMarginMs: Number(opts["margin-ms"]) }),
  observe: (event) => {
    if (event.kind === "penalized") penalties++;
    if (event.kind === "admitted" && event.action === action) slots.push(event.slotMs);
  },
});
const account = required("account");
const cam = createCamClient(
  { name: account, endpoint: required("sim"), credentials: { secretId: required("secret-id"), secretKey } },
  { gate }
);

// Warm the SDK, the HTTP path, the Redis connection and the script cache before the clock starts.
await cam.getUserAppId();
await readyThenWaitForGo();

const tally: WorkerTally = { calls: 0, ok: 0, errors: {}, deferrals: 0, penalties: 0, slots };
const maxCalls = opts.calls === undefined ? Number.POSITIVE_INFINITY : Number(opts.calls);
const deadline =
  opts.seconds === undefined ? Number.POSITIVE_INFINITY : performance.now() + Number(opts.seconds) * 1000;
let started = 0;

async function oneCall(index: number): Promise<void> {
  for (;;) {
    try {
      if (opts["gate-only"]) await gate.admit(account, action);
      else if (action === "CreateAccessKey") await cam.createAccessKey(firstUin + (Math.floor(index / 2) % users));
      else await cam.listAccessKeys(firstUin + (index % users));
      tally.ok++;
      return;
    } catch (error) {
      if (error instanceof LimiterDeferral) {
        tally.deferrals++;
        await sleep(error.retryAfterMs);
        continue;
      }
      const code = error instanceof CamError ? error.code : "Unexpected";
      tally.errors[code] = (tally.errors[code] ?? 0) + 1;
      return;
    }
  }
}

const progress = setInterval(() => process.stdout.write(`${JSON.stringify({ progress: tally.ok })}\n`), 1000);
await Promise.all(
  Array.from({ length: Number(opts.concurrency) }, async () => {
    while (started < maxCalls && performance.now() < deadline) {
      const index = started++;
      tally.calls++;
      await oneCall(index);
    }
  })
);
clearInterval(progress);
tally.penalties = penalties;
await redis.quit();
process.stdout.write(`${JSON.stringify(tally)}\n`);
