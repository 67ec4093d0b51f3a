// The limiter benchmark: N worker processes share one private redis-server and one limiter prefix, and drive
// real CAM calls through the official SDK at an in-process simulator whose rate limit for the action is set to
// --limit. The simulator's request log is the ground truth:
//   admitted        OK calls in the first --seconds after the first OK call;
//   maxInAnyWindow  most OK calls in any rolling window (t - 1000 ms, t], the simulator's own definition;
//   throughputRatio admitted / (limit x seconds);
//   throttledBySimulator  RequestLimitExceeded answers (each made a worker penalize and retry).
// Progress goes to stderr; stdout's last line is the result (JSON with --json).
// --gate-only: the workers take admissions and send nothing; the figures come from the admitted slots (Redis's
// clock) and throttledBySimulator is null. That isolates the limiter's own cost from the SDK and HTTP path.
//
//   npm run bench:limiter -- --processes 4 --limit 5 --seconds 10 --json
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { runChildren } from "./children.js";
import { fleetSeed, WORKER_SCRIPT, workerArgs } from "./fleet.js";
import type { BenchAction, WorkerTally } from "./worker.js";
import { maxInRollingWindow } from "../../test/support/rolling-window.js";
import { startCamSimulator } from "../../src/cam/simulator/index.js";
import { startRedisServer } from "../../test/support/services.js";

function positiveInt(flag: string, raw: string | undefined, fallback?: number): number {
  if (raw === undefined && fallback !== undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    process.stderr.write(`bench:limiter: --${flag} must be a positive integer, got ${JSON.stringify(raw ?? null)}\n`);
    process.exit(2);
  }
  return value;
}

const { values: flags } = parseArgs({
  options: {
    processes: { type: "string" },
    limit: { type: "string" },
    seconds: { type: "string" },
    action: { type: "string" },
    concurrency: { type: "string" },
    "margin-ms": { type: "string" },
    json: { type: "boolean", default: false },
    "gate-only": { type: "boolean", default: false },
  },
});
const processes = positiveInt("processes", flags.processes, 4);
const limit = positiveInt("limit", flags.limit, 5);
const seconds = positiveInt("seconds", flags.seconds, 10);
const action = (flags.action ?? "CreateAccessKey") as BenchAction;
if (action !== "CreateAccessKey" && action !== "ListAccessKeys") {
  process.stderr.write(
    `bench:limiter: --action must be CreateAccessKey or ListAccessKeys, got ${JSON.stringify(action)}\n`
  );
  process.exit(2);
}
// Enough callers per process to keep ~50 ms of slots reserved ahead at any limit.
const gateOnly = flags["gate-only"];
const concurrency = positiveInt("concurrency", flags.concurrency, Math.max(2, Math.ceil((limit * 0.05) / processes)));

// Each worker owns a range of users big enough to take every call of the run alone: two keys per user.
const usersPerWorker = action === "CreateAccessKey" ? Math.ceil((limit * (seconds + 3)) / 2) : 10;
const secretKey = randomBytes(24).toString("hex");
const seed = fleetSeed(processes, usersPerWorker, secretKey, { [action]: limit });

const redis = await startRedisServer();
const sim = await startCamSimulator({ seed });
const sum = (tallies: WorkerTally[], field: "penalties" | "deferrals") =>
  tallies.reduce((total, tally) => total + tally[field], 0);
const log = (line: string) => process.stderr.write(`${line}\n`);
try {
  log(
    `bench:limiter: ${processes} processes x ${concurrency} callers, ${action}${gateOnly ? " (gate only)" : ""} ` +
      `at ${limit}/s for ${seconds} s ` +
      `(simulator ${sim.url}, redis ${redis.url})`
  );
  const progress = new Array<number>(processes).fill(0);
  const ticker = setInterval(() => log(`  ok so far: ${progress.reduce((a, b) => a + b, 0)}`), 1000);
  const tallies = (await runChildren(
    WORKER_SCRIPT,
    Array.from({ length: processes }, (_, worker) =>
      workerArgs({
        redisUrl: redis.url,
        prefix: "bench",
        simUrl: sim.url,
        action,
        limit,
        worker,
        users: usersPerWorker,
        seconds,
        concurrency,
        gateOnly,
        ...(flags["margin-ms"] === undefined ? {} : { marginMs: Number(flags["margin-ms"]) }),
      })
    ),
    {
      env: { CAM_BENCH_SECRET_KEY: secretKey },
      timeoutMs: (seconds + 60) * 1000,
      onLine: (worker, line) => {
        progress[worker] = (JSON.parse(line) as { progress: number }).progress;
      },
    }
  )) as WorkerTally[];
  clearInterval(ticker);

  const requests = sim.simulator.requests().filter((entry) => entry.action === action);
  const okTimes = gateOnly
    ? tallies.flatMap((tally) => tally.slots)
    : requests.filter((entry) => entry.outcome === "OK").map((entry) => entry.t);
  const start = Math.min(...okTimes);
  const admitted = okTimes.filter((t) => t < start + seconds * 1000).length;
  const result = {
    processes,
    limit,
    seconds,
    admitted,
    maxInAnyWindow: maxInRollingWindow(okTimes, 1000),
    throughputRatio: Math.round((admitted / (limit * seconds)) * 1000) / 1000,
    throttledBySimulator: gateOnly ? null : requests.filter((entry) => entry.outcome === "RequestLimitExceeded").length,
  };
  // How close the run came to the bound: the shortest time spanned by limit + 1 consecutive OK calls (> 999 ms
  // keeps every window (t - 1000, t] at or under the limit with whole-millisecond timestamps).
  const sorted = [...okTimes].sort((a, b) => a - b);
  const spans = sorted.slice(limit).map((t, i) => t - sorted[i]!);
  log(
    `  tightest span of ${limit + 1} consecutive ${gateOnly ? "slots" : "OK calls"}: ` +
      `${spans.length ? Math.min(...spans).toFixed(1) : "n/a"} ms`
  );
  // The fencepost (a 10 s run holds 50 slots 204 ms apart) flatters the ratio; this is the rate between calls.
  const inRun = sorted.filter((t) => t < start + seconds * 1000);
  const steady = ((inRun.length - 1) * 1000) / (inRun.at(-1)! - inRun[0]!);
  log(`  steady rate within the run: ${steady.toFixed(2)}/s (${(steady / limit).toFixed(3)} of the limit)`);
  const errors: Record<string, number> = {};
  for (const tally of tallies)
    for (const [code, n] of Object.entries(tally.errors)) errors[code] = (errors[code] ?? 0) + n;
  log(
    `  done: ${okTimes.length} ${gateOnly ? "admissions" : "OK calls"} in total, errors ${JSON.stringify(errors)}, ` +
      `penalties ${sum(tallies, "penalties")}, deferrals ${sum(tallies, "deferrals")}`
  );
  process.stdout.write(
    flags.json
      ? `${JSON.stringify(result)}\n`
      : `${Object.entries(result)
          .map(([name, value]) => `${name.padEnd(22)} ${value}`)
          .join("\n")}\n`
  );
} finally {
  await sim.close();
  await redis.stop();
}
