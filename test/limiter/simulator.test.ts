// End to end against the CAM simulator and its strict rolling window: 4 processes, each with its own Redis
// connection and gate, create 200 access keys through the official SDK at CAM's 5/s, and CAM never throttles.
// This is where jitter counts: the window is checked on arrival times, so a call that reaches the simulator
// later after its slot than a call 5 slots after it eats into the safety margin. The gates run with the
// production default margin; vitest.config.ts runs this file in the "timing" group, alone, because on a 2-core
// host shared with the rest of the suite arrival jitter (p99 13-45 ms measured under load) exceeds what any
// production host sees.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { runChildren } from "../../bench/limiter/children.js";
import { fleetSeed, WORKER_SCRIPT, workerArgs } from "../../bench/limiter/fleet.js";
import type { WorkerTally } from "../../bench/limiter/worker.js";
import { GATE_DEFAULTS, slotIntervalUs } from "../../src/cam/limiter/redis-gate.js";
import { maxInRollingWindow } from "../support/rolling-window.js";
import { startCamSimulator, type LoggedRequest, type StateView } from "../../src/cam/simulator/index.js";

const WORKERS = 4;
const USERS_PER_WORKER = 25; // two keys each: 50 calls per worker, 200 in all, no AccessKeyOverLimit
const MARGIN_MS = GATE_DEFAULTS.safetyMarginMs;
const rootSecret = randomBytes(24).toString("hex");
let sim: Awaited<ReturnType<typeof startCamSimulator>>;
beforeAll(async () => {
  sim = await startCamSimulator({ seed: fleetSeed(WORKERS, USERS_PER_WORKER, rootSecret) });
});
afterAll(async () => {
  await sim.close();
});

it("200 CreateAccessKey calls from 4 processes at 5/s: zero RequestLimitExceeded, at most 5 in any rolling second", async () => {
  const prefix = `t-${randomUUID()}`;
  const tallies = (await runChildren(
    WORKER_SCRIPT,
    Array.from({ length: WORKERS }, (_, worker) =>
      workerArgs({
        redisUrl: inject("redisUrl"),
        prefix,
        simUrl: sim.url,
        action: "CreateAccessKey",
        worker,
        users: USERS_PER_WORKER,
        calls: 2 * USERS_PER_WORKER,
        concurrency: 2,
        marginMs: MARGIN_MS,
      })
    ),
    { env: { CAM_BENCH_SECRET_KEY: rootSecret }, timeoutMs: 90_000 }
  )) as WorkerTally[];

  expect(tallies.map((tally) => tally.ok)).toEqual([50, 50, 50, 50]);
  expect(tallies.map((tally) => tally.penalties)).toEqual([0, 0, 0, 0]);
  const requests = (await (await fetch(`${sim.url}/_sim/requests`)).json()) as LoggedRequest[];
  const creates = requests.filter((entry) => entry.action === "CreateAccessKey");
  expect(creates.filter((entry) => entry.outcome !== "OK")).toEqual([]);
  expect(creates).toHaveLength(200);
  const times = creates.map((entry) => entry.t);
  expect(maxInRollingWindow(times, 1000)).toBe(5);
  // Full speed: 199 intervals of 220 ms, plus a little for the first call's start.
  expect(Math.max(...times) - Math.min(...times)).toBeLessThan((199 * slotIntervalUs(5, MARGIN_MS)) / 1000 + 1000);

  const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as StateView & {
    counters: Record<string, { throttled: number; ok: number }>;
  };
  expect(state.counters.CreateAccessKey).toMatchObject({ ok: 200, throttled: 0 });
  const benchUsers = state.accounts[0]!.users.filter((user) => user.name.startsWith("bench-"));
  expect(benchUsers.every((user) => user.keys.length === 2)).toBe(true);
}, 90_000);
