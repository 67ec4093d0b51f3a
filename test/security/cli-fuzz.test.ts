// P8 for the command line: random argv for every command (known flags in any order, missing and malformed
// values, unknown flags, random strings) through the real binary. Always a documented exit code (0/1/2/3),
// never a crash, a signal or a stack trace; exit 2 comes with a usage hint. The config points at a Redis
// that does not answer, so commands that get as far as Redis fail fast with exit 1 instead of doing work.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/services.js";
import { concurrently } from "../../bench/concurrently.js";
import { requireBuild, runBinary, STACK_FRAME, type BinaryRun } from "./binary.js";
import { validConfig } from "./config-mutations.js";
import { RECORD_KEY_ENV } from "../../src/jobs/record-mac.js";
import { TEST_RECORD_KEY } from "../support/rig-constants.js";

const COMMANDS: string[][] = [
  ["worker"],
  ["rotate"],
  ["sweep"],
  ["status"],
  ["flagged"],
  ["approve-removal"],
  ["dismiss-flag"],
  ["retry-failed"],
  ["pause"],
  ["resume"],
  ["events"],
  ["vault", "show"],
  ["vault", "adopt"],
  ["vault"],
  ["legacy"],
  ["check-config"],
  ["canary"],
  ["cam-sim"],
  ["bogus"],
  [],
];
const FLAGS = [
  "--account",
  "--uin",
  "--force",
  "--wait",
  "--json",
  "--dry-run",
  "--key",
  "--follow",
  "-f",
  "--count",
  "-n",
  "--config",
  "-c",
  "--reason",
  "--yes",
  "--port",
  "--host",
  "--seed",
  "--help",
  "-h",
  "--version",
  "-V",
  "--",
  "--frobnicate",
  "-x",
];
const EXIT_CODES = [0, 1, 2, 3];

let dir: string;
let values: string[];
const ENV = {
  FUZZ_SECRET_ID: "AKIDfuzzfuzzfuzzfuzzfuzz",
  FUZZ_SECRET_KEY: "f".repeat(40),
  LOG_LEVEL: "info",
  [RECORD_KEY_ENV]: TEST_RECORD_KEY.toString("base64"),
  // The valid config's notify target (config-mutations.ts): its variables are set, as in a real deployment.
  FUZZ_DING_URL: "http://127.0.0.1:1/robot/send?access_token=fuzz",
  FUZZ_DING_SECRET: "SECfuzz",
};

beforeAll(async () => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), "cam-rotator-cli-fuzz-"));
  const deadRedis = `redis://127.0.0.1:${await freePort()}`;
  const config = join(dir, "config.json");
  writeFileSync(
    config,
    JSON.stringify(
      validConfig({
        redisUrl: deadRedis,
        prefix: `t-${randomUUID()}`,
        vaultPath: join(dir, "vault.json"),
        httpPort: 0,
        camUrl: "http://127.0.0.1:1",
      })
    )
  );
  const seed = join(dir, "seed.json");
  writeFileSync(
    seed,
    JSON.stringify({ accounts: [{ ownerUin: 100000000001, appId: 1300000001, users: [] }], bogus: true })
  );
  values = [
    config,
    seed,
    join(dir, "missing.yaml"),
    dir,
    "main",
    "other",
    "MAIN",
    "100000000011",
    "0",
    "-5",
    "12ab",
    "1e9",
    "99999999999999999999",
    "AKIDabcdefghijkl",
    "not a key!",
    "50",
    "lots",
    "65536",
    "127.0.0.1",
    "::1",
    "",
    " ",
    "--",
    "-",
    "=",
    "ünïcödé",
    "$(touch /tmp/x)",
    "a".repeat(300),
  ];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const argv = () =>
  fc
    .tuple(
      fc.constantFrom(...COMMANDS),
      fc.array(
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...FLAGS) },
          { weight: 4, arbitrary: fc.constantFrom(...values) },
          { weight: 1, arbitrary: fc.string({ maxLength: 20 }).filter((text) => !text.includes("\u0000")) }
        ),
        { maxLength: 7 }
      )
    )
    .map(([command, rest]) => [...command, ...rest]);

function check(args: string[], run: BinaryRun): void {
  const what = `cam-rotator ${JSON.stringify(args)}\nstdout: ${run.stdout.slice(0, 500)}\nstderr: ${run.stderr.slice(0, 500)}`;
  expect(run.stdout + run.stderr, what).not.toMatch(STACK_FRAME);
  if (run.timedOut) {
    // Only the simulator runs until stopped; it must have said where it listens.
    expect(args[0], `still running: ${what}`).toBe("cam-sim");
    expect(run.stdout, what).toContain('"listening"');
    return;
  }
  expect(run.signal, what).toBeNull();
  expect(EXIT_CODES, what).toContain(run.code);
  if (run.code === 2) expect(run.stderr, what).toMatch(/--help|invalid configuration in/);
}

describe("CLI argument fuzzing", () => {
  it("property (real binary, 36 random argv): a documented exit code, no crash, no stack, a usage hint on exit 2", async () => {
    const seed = Date.now() % 2 ** 31;
    const cases = fc.sample(argv(), { numRuns: 36, seed });
    const runs = await concurrently(cases, 3, async (args) => ({
      args,
      run: await runBinary(args, { env: ENV, timeoutMs: 6_000 }),
    }));
    for (const { args, run } of runs) check(args, run);
    // The sample must have exercised the paths that matter, not only help screens.
    const codes = new Set(runs.map(({ run }) => run.code));
    expect(codes.has(2), `sample seed ${seed}`).toBe(true);
  });

  it.each<[string[], number, RegExp]>([
    [["rotate", "--account"], 2, /--help/],
    [["rotate", "--uin", "1", "--account", "main", "--uin", "x"], 2, /expected a UIN/],
    [["events", "--count", "0"], 2, /--help/],
    [["cam-sim", "--port", "70000"], 2, /--help|port/],
    [["vault", "show", "--account", "main", "--uin", "100000000011", "--config", "CONFIG"], 1, /redis|Redis/],
    [["status", "--config", "CONFIG", "--json"], 1, /redis|Redis/],
    [["worker", "--config", "CONFIG"], 1, /redis|Redis/],
  ])("%j exits %i", async (args, code, message) => {
    const resolved = args.map((arg) => (arg === "CONFIG" ? join(dir, "config.json") : arg));
    const run = await runBinary(resolved, { env: ENV, timeoutMs: 10_000 });
    check(resolved, run);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
  });
});
