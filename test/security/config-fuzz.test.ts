// P8 for configuration: a valid config broken in one random place (a value of another type, a required key
// dropped, an unknown key, a bad duration / cron / URL / name / UIN...) is always refused with a message that
// names the broken path, exit 2, no stack trace, and nothing started. Most cases run in-process through
// parseConfig (fast); a sample goes through the real binary's check-config and worker commands.
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { Redis } from "ioredis";
import { stringify as toYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config/index.js";
import { freePort } from "../support/services.js";
import { concurrently } from "../../bench/concurrently.js";
import { requireBuild, runBinary, STACK_FRAME } from "./binary.js";
import { label, mutatedConfig, namesPath, problemPaths, validConfig, type MutatedConfig } from "./config-mutations.js";
import { RECORD_KEY_ENV } from "../../src/jobs/record-mac.js";
import { TEST_RECORD_KEY } from "../support/rig-constants.js";

let dir: string;
let prefix: string;
let httpPort: number;
let valid: Record<string, unknown>;
const vaultPath = () => join(dir, "vault.json");
const ENV = {
  FUZZ_SECRET_ID: "AKIDfuzzfuzzfuzzfuzzfuzz",
  FUZZ_SECRET_KEY: "f".repeat(40),
  LOG_LEVEL: "info",
  [RECORD_KEY_ENV]: TEST_RECORD_KEY.toString("base64"),
};

beforeAll(async () => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), "cam-rotator-config-fuzz-"));
  prefix = `t-${randomUUID()}`;
  httpPort = await freePort();
  valid = validConfig({
    redisUrl: inject("redisUrl"),
    prefix,
    vaultPath: vaultPath(),
    httpPort,
    camUrl: "http://127.0.0.1:1",
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectNamesMutatedPath(message: string, config: MutatedConfig): void {
  const paths = problemPaths(message);
  const mutated = config.mutations[0]!;
  expect(paths.length, `no path-bearing problem line in:\n${message}`).toBeGreaterThan(0);
  expect(
    paths.some((path) => namesPath(path, mutated.path)),
    `${mutated.detail}: the error should name ${label(mutated.path)}, it says:\n${message}`
  ).toBe(true);
}

describe("config fuzzing", () => {
  it("the base config is valid (so every failure below is the mutation's)", () => {
    expect(() => parseConfig(valid, "base", {})).not.toThrow();
  });

  it("property (in-process, 400 cases): every mutation is a ConfigError naming the mutated path", () => {
    fc.assert(
      fc.property(mutatedConfig(valid), (config) => {
        let error: unknown;
        try {
          parseConfig(config.raw, "fuzz.yaml", {});
        } catch (caught) {
          error = caught;
        }
        expect(error, `${config.mutations[0]!.detail} was accepted`).toBeInstanceOf(ConfigError);
        expectNamesMutatedPath((error as ConfigError).message, config);
      }),
      { numRuns: 400 }
    );
  });

  it("property (real binary, 8 cases): check-config and worker exit 2, name the path, print no stack, start nothing", async () => {
    // A new sample each run; the seed is in every failure message to replay it.
    const seed = Date.now() % 2 ** 31;
    const cases = fc.sample(mutatedConfig(valid), { numRuns: 8, seed });
    const runs = await concurrently(
      cases.flatMap((config, index) => {
        // Half as YAML, half as JSON: both parsers feed the same schema.
        const file = join(dir, `case-${index}.${index % 2 ? "yaml" : "json"}`);
        writeFileSync(file, index % 2 ? toYaml(config.raw) : JSON.stringify(config.raw, null, 2));
        return (["check-config", "worker"] as const).map((command) => ({ config, command, file }));
      }),
      3,
      async (item) => ({ ...item, run: await runBinary([item.command, "--config", item.file], { env: ENV }) })
    );

    for (const { config, command, file, run } of runs) {
      const what = `${command} with ${config.mutations[0]!.detail} (sample seed ${seed})`;
      expect(run.timedOut, `${what} kept running`).toBe(false);
      expect(run.code, `${what}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(file);
      expect(run.stderr).toMatch(/^\s*(\(top level\)|[a-zA-Z[\]0-9._-]+):/m);
      expectNamesMutatedPath(run.stderr, config);
      expect(run.stderr).not.toMatch(STACK_FRAME);
      expect(run.stdout).not.toContain("worker ready");
    }
    await expectNothingStarted();
  });

  it("files that are not a config at all (random bytes, YAML of another shape) exit 2 naming the file", async () => {
    const texts = [
      ...fc.sample(
        fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
        { numRuns: 3, seed: 11 }
      ),
      Buffer.from("- just\n- a list\n"),
      Buffer.from("key: [unclosed\n"),
      Buffer.from(""),
      Buffer.from("\t\u0000\u0001"),
    ];
    const runs = await concurrently(texts, 3, async (text) => {
      const file = join(dir, `garbage-${randomUUID()}.yaml`);
      writeFileSync(file, text);
      return { file, run: await runBinary(["check-config", "--config", file], { env: ENV }) };
    });
    for (const { file, run } of runs) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(file);
      expect(run.stderr).not.toMatch(STACK_FRAME);
    }
    await expectNothingStarted();
  });
});

/** No Redis key under the test's prefix, no vault file, nothing listening on the configured HTTP port. */
async function expectNothingStarted(): Promise<void> {
  const redis = new Redis(inject("redisUrl"));
  try {
    const [, keys] = await redis.scan("0", "MATCH", `${prefix}*`, "COUNT", 10_000);
    expect(keys).toEqual([]);
  } finally {
    redis.disconnect();
  }
  expect(existsSync(vaultPath())).toBe(false);
  expect(existsSync(`${vaultPath()}.key`)).toBe(false);
  const listening = await new Promise<boolean>((resolve) => {
    const socket = connect(httpPort, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
  expect(listening).toBe(false);
}
