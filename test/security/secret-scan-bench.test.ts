// P4 after a benchmark run: a short row of the real benchmark (two `cam-rotator worker` daemons rotating a small
// fleet against the simulator, moto as the vault), then the secret scan over every Redis key under the row's
// prefix, the daemons' output, their /metrics pages, the event stream and the admin CLI's output, for every
// SecretAccessKey the simulator issued or was seeded with.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type BenchWorld } from "../../bench/rig.js";
import { runRow, type RowCapture, type RowResult } from "../../bench/row.js";
import { parseConfig } from "../../src/config/index.js";
import { openRuntime } from "../../src/daemon/open-runtime.js";
import { silentLogger } from "../../src/log.js";
import { scanForSecrets } from "../support/secret-scan.js";
import { requireBuild } from "./binary.js";
import { adminOutputs } from "./cli-output.js";

let world: BenchWorld;
let result: RowResult;
let capture: RowCapture;

beforeAll(async () => {
  requireBuild();
  world = await startWorld({ vault: "moto" });
  ({ result, capture } = await runRow(
    world,
    { limiter: "ours", processes: 2, accounts: 1, createLimit: 20, usersPerAccount: 12, maxSeconds: 60 },
    "security"
  ));
}, 120_000);
afterAll(() => world?.close(), 30_000);

describe("secret scan after a benchmark run", () => {
  it("the row rotated every user through the real daemons", () => {
    expect(result.rotations).toBe(12);
    expect(result.failed).toBe(0);
    expect(capture.metrics.every((page) => page.includes("# TYPE"))).toBe(true);
  });

  it("no secret in Redis (every key and type), daemon output, /metrics, the event stream or the admin CLI's output", async () => {
    const secrets = world.secrets();
    expect(secrets.size).toBeGreaterThanOrEqual(capture.fleet.secrets.length + 12);

    const configPath = join(world.dir, "config-security.json");
    const config = parseConfig(JSON.parse(readFileSync(configPath, "utf8")), configPath, capture.fleet.env);
    const runtime = await openRuntime(config, { log: silentLogger, env: capture.fleet.env });
    let events: string;
    try {
      events = JSON.stringify(await runtime.engine.readEvents({ count: 10_000 }));
    } finally {
      await runtime.close();
    }
    expect(events).toContain("rotation-completed");

    const account = capture.fleet.accounts[0]!;
    const cli = await adminOutputs(
      configPath,
      { ...world.baseEnv, ...capture.fleet.env },
      account.name,
      account.users[0]!.uin
    );
    expect(cli.codes["status --json"]).toBe(0);

    const report = await scanForSecrets(world.redisClient, [capture.prefix], secrets, [
      ...capture.outputs,
      ...capture.metrics,
      events,
      ...cli.outputs,
    ]);
    expect(report.keysRead).toBeGreaterThan(20);
    expect(Object.keys(report.types)).toEqual(expect.arrayContaining(["hash", "stream", "zset"]));
    expect(report.hits).toEqual([]);

    // The scan would have seen a leak: a secret planted in a stream under the prefix and in a log line is found.
    const canary = [...secrets][0]!;
    await world.redisClient.xadd(`${capture.prefix}:canary`, "*", "detail", `leaked ${canary}`);
    const planted = await scanForSecrets(world.redisClient, [capture.prefix], secrets, [`{"msg":"oops ${canary}"}`]);
    expect(planted.hits).toHaveLength(2);
  }, 60_000);
});
