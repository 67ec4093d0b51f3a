import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configPath, loadConfigFile, parseConfig, parseDuration, resolveCredentials } from "../../src/config/index.js";
import { problems } from "./problems.js";

const valid = () => ({
  redis: { url: "redis://127.0.0.1:6379", prefix: "cam-rotator" },
  vault: { type: "file", path: "./vault.json" },
  accounts: [
    {
      name: "main",
      credentials: { secretIdEnv: "MAIN_SECRET_ID", secretKeyEnv: "MAIN_SECRET_KEY" },
      users: [100000000011, 100000000012],
      schedule: "0 3 * * *",
      maxKeyAgeDays: 90,
      retire: { deactivateAfter: "7d", deleteAfter: "12h" },
    },
  ],
});

describe("config", () => {
  it("applies defaults and converts durations to milliseconds", () => {
    const config = parseConfig(valid(), "test.yaml", {});
    expect(config.accounts[0]!.retire).toEqual({
      deactivateAfter: 7 * 86_400_000,
      deleteAfter: 12 * 3_600_000,
      lastUsedLag: 3 * 86_400_000,
    });
    expect(config.accounts[0]!.overLimit).toBe("auto");
    expect(config.accounts[0]!.preexistingKeys).toBe("retire");
    expect(config.accounts[0]!.timezone).toBe("UTC");
    expect(config.limiter.maxWait).toBe(2_000);
    expect(config.http).toEqual({ host: "127.0.0.1", port: 9464 });
  });

  it("fills a section left out with the defaults of all its fields", () => {
    const { redis: _redis, ...raw } = valid();
    const { retire: _retire, ...account } = raw.accounts[0]!;
    const config = parseConfig({ ...raw, accounts: [account] }, "test.yaml", {});
    expect(config.redis).toEqual({ url: "redis://127.0.0.1:6379", prefix: "cam-rotator", requireRecordKey: true });
    expect(config.accounts[0]!.retire).toEqual({
      deactivateAfter: 7 * 86_400_000,
      deleteAfter: 7 * 86_400_000,
      lastUsedLag: 3 * 86_400_000,
    });
    expect(config.worker).toEqual({ concurrency: 8, shutdownTimeout: 30_000 });
    expect(config.limiter).toEqual({ safetyMargin: 20, maxWait: 2_000, penalty: 1_000, namespace: "cam-rotator" });
    expect(config.rotation).toEqual({ verifyTimeout: 60_000, parkRecheck: 600_000, attempts: 8, keepFailed: 1_000 });
    expect(config.http).toEqual({ host: "127.0.0.1", port: 9464 });
    const aws = parseConfig(
      { ...raw, accounts: [account], vault: { type: "aws-secrets-manager", region: "ap-guangzhou" } },
      "test.yaml",
      {}
    );
    expect(aws.vault).toEqual({
      type: "aws-secrets-manager",
      region: "ap-guangzhou",
      nameTemplate: "tencentcloud/cam/{account}/{uin}",
      rateLimits: { writes: 50, tags: 50 },
    });
  });

  it("names the path and the value of each problem", () => {
    const raw = valid();
    Object.assign(raw.accounts[0]!, { maxKeyAgeDays: "ninety", schedule: "every day" });
    expect(problems(raw)).toEqual([
      'accounts[0].schedule: expected a cron expression (5 or 6 fields), got "every day"',
      'accounts[0].maxKeyAgeDays: expected a positive integer, got "ninety"',
    ]);
  });

  it("takes preexistingKeys retire or flag, and names the path and value of anything else", () => {
    const raw = valid();
    Object.assign(raw.accounts[0]!, { preexistingKeys: "flag" });
    expect(parseConfig(raw, "test.yaml", {}).accounts[0]!.preexistingKeys).toBe("flag");
    Object.assign(raw.accounts[0]!, { preexistingKeys: "delete" });
    expect(problems(raw)).toEqual(['accounts[0].preexistingKeys: expected retire or flag, got "delete"']);
  });

  it("refuses secrets and other unknown keys in the file", () => {
    const raw = valid();
    Object.assign(raw.accounts[0]!.credentials, { secretKey: "do-not-put-me-here" });
    const found = problems(raw);
    expect(found).toEqual(['accounts[0].credentials: unknown key "secretKey"']);
    expect(found.join()).not.toContain("do-not-put-me-here");
  });

  it("never echoes a value under credentials or redis.url: it may be a pasted secret or carry a password", () => {
    const raw = valid();
    raw.accounts[0]!.credentials.secretKeyEnv = "pAsTeDsEcReTkEy0123456789abcdefXYZ";
    raw.redis.url = "redis//:hunter2@cache:6379";
    const found = problems(raw);
    expect(found).toEqual([
      "redis.url: expected a redis:// or rediss:// URL, got a value that is not shown",
      "accounts[0].credentials.secretKeyEnv: expected an environment variable name (A-Z, 0-9, _), got a value that is not shown",
    ]);
    expect(found.join()).not.toMatch(/pAsTeD|hunter2/);
    raw.redis.url = "http://user:hunter2@cache:6379";
    expect(problems(raw)[0]).toBe('redis.url: expected a redis:// or rediss:// URL, got "http://user:***@cache:6379"');
  });

  it("bounds durations: timers overflow past 24.8 days, and a zero timeout is refused", () => {
    const raw = valid() as ReturnType<typeof valid> & Record<string, unknown>;
    Object.assign(raw, { worker: { shutdownTimeout: "25d" }, rotation: { verifyTimeout: 0 } });
    Object.assign(raw.accounts[0]!, { requestTimeout: "0s" });
    expect(problems(raw)).toEqual([
      'accounts[0].requestTimeout: expected a duration from 1s to 24d, such as 250ms, 30s, 5m, 12h or 7d, got "0s"',
      'worker.shutdownTimeout: expected a duration from 1s to 24d, such as 250ms, 30s, 5m, 12h or 7d, got "25d"',
      "rotation.verifyTimeout: expected a duration from 500ms to 24d, such as 250ms, 30s, 5m, 12h or 7d, got 0",
    ]);
  });

  it("rejects duplicate account names, empty user lists and bad vault types", () => {
    const raw = valid() as Record<string, unknown> & ReturnType<typeof valid>;
    raw.accounts.push({ ...raw.accounts[0]!, users: [] });
    (raw as { vault: unknown }).vault = { type: "s3" };
    expect(problems(raw)).toEqual(
      expect.arrayContaining([
        'vault.type: expected type aws-secrets-manager or file, got "s3"',
        'accounts[1].users: expected at least one UIN, or "all", got []',
        'accounts[1].name: duplicate account name, got "main"',
      ])
    );
  });

  it("lets REDIS_URL override the file", () => {
    const config = parseConfig(valid(), "test.yaml", { REDIS_URL: "redis://10.1.2.3:6380" });
    expect(config.redis.url).toBe("redis://10.1.2.3:6380");
  });

  it("reads YAML files and reports unreadable or unparsable ones", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    const good = join(dir, "good.yaml");
    writeFileSync(
      good,
      "vault: { type: file, path: ./v.json }\naccounts:\n  - name: main\n" +
        "    credentials: { secretIdEnv: A, secretKeyEnv: B }\n    users: all\n    schedule: '0 3 * * *'\n    maxKeyAgeDays: 30\n"
    );
    expect(loadConfigFile(good, {}).accounts[0]!.users).toBe("all");
    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, "accounts: [\n");
    expect(() => loadConfigFile(broken, {})).toThrow(/not valid YAML or JSON/);
    expect(() => loadConfigFile(join(dir, "missing.yaml"), {})).toThrow(/cannot read the file: ENOENT/);
  });

  it("takes the path from the flag or CAM_ROTATOR_CONFIG, and says so when neither is given", () => {
    expect(configPath("a.yaml", { CAM_ROTATOR_CONFIG: "b.yaml" })).toBe("a.yaml");
    expect(configPath(undefined, { CAM_ROTATOR_CONFIG: "b.yaml" })).toBe("b.yaml");
    expect(() => configPath(undefined, {})).toThrow(/--config FILE or set CAM_ROTATOR_CONFIG/);
  });

  it("resolves credentials from the environment variables the config names", () => {
    const account = parseConfig(valid(), "test.yaml", {}).accounts[0]!;
    expect(resolveCredentials(account, 0, { MAIN_SECRET_ID: "AKIDx", MAIN_SECRET_KEY: "k" })).toEqual({
      secretId: "AKIDx",
      secretKey: "k",
    });
    expect(() => resolveCredentials(account, 0, { MAIN_SECRET_ID: "AKIDx" })).toThrow(
      "accounts[0].credentials.secretKeyEnv: environment variable MAIN_SECRET_KEY is not set"
    );
  });

  it("parses durations", () => {
    expect([
      parseDuration("250ms"),
      parseDuration("30s"),
      parseDuration("5m"),
      parseDuration("2h"),
      parseDuration("7d"),
      parseDuration(1500),
      parseDuration("7 weeks"),
      parseDuration(-1),
    ]).toEqual([250, 30_000, 300_000, 7_200_000, 604_800_000, 1500, null, null]);
  });
});

// Durations that validate but harm: each duration has a floor below which its mechanism breaks (a 0 parkRecheck
// re-checks parked rotations in a busy loop). A value under the floor is refused, naming the path and the value;
// the floor itself is accepted.
const floorBase = () => ({
  vault: { type: "file", path: "./vault.json" },
  accounts: [
    {
      name: "main",
      credentials: { secretIdEnv: "MAIN_SECRET_ID", secretKeyEnv: "MAIN_SECRET_KEY" },
      users: [100000000011],
      schedule: "0 3 * * *",
      maxKeyAgeDays: 90,
      retire: { deactivateAfter: "7d", deleteAfter: "7d" },
    } as Record<string, unknown>,
  ],
  worker: {} as Record<string, unknown>,
  limiter: {} as Record<string, unknown>,
  rotation: {} as Record<string, unknown>,
});
type Raw = ReturnType<typeof floorBase>;

// [path, the floor, a value just under it, where to set it]
const FLOORS: Array<[string, string, unknown, (raw: Raw, value: unknown) => void]> = [
  [
    "rotation.parkRecheck",
    "250ms",
    0,
    (raw, value) => {
      raw.rotation.parkRecheck = value;
    },
  ],
  [
    "rotation.verifyTimeout",
    "500ms",
    "499ms",
    (raw, value) => {
      raw.rotation.verifyTimeout = value;
    },
  ],
  [
    "limiter.penalty",
    "100ms",
    0,
    (raw, value) => {
      raw.limiter.penalty = value;
    },
  ],
  [
    "limiter.maxWait",
    "100ms",
    "0s",
    (raw, value) => {
      raw.limiter.maxWait = value;
    },
  ],
  [
    "limiter.safetyMargin",
    "1ms",
    0,
    (raw, value) => {
      raw.limiter.safetyMargin = value;
    },
  ],
  [
    "worker.shutdownTimeout",
    "1s",
    999,
    (raw, value) => {
      raw.worker.shutdownTimeout = value;
    },
  ],
  [
    "accounts[0].requestTimeout",
    "1s",
    "0.5s",
    (raw, value) => {
      raw.accounts[0]!.requestTimeout = value;
    },
  ],
  [
    "accounts[0].retire.deactivateAfter",
    "250ms",
    0,
    (raw, value) => {
      (raw.accounts[0]!.retire as Record<string, unknown>).deactivateAfter = value;
    },
  ],
  [
    "accounts[0].retire.deleteAfter",
    "250ms",
    "100ms",
    (raw, value) => {
      (raw.accounts[0]!.retire as Record<string, unknown>).deleteAfter = value;
    },
  ],
];

describe("duration floors", () => {
  it.each(FLOORS)("%s under its floor (%s) is refused with its path and value", (path, floor, under, set) => {
    const raw = floorBase();
    set(raw, under);
    expect(problems(raw)).toEqual([
      `${path}: expected a duration from ${floor} to 24d, such as 250ms, 30s, 5m, 12h or 7d, got ${JSON.stringify(under)}`,
    ]);
  });

  it.each(FLOORS)("%s at its floor (%s) is accepted", (_path, floor, _under, set) => {
    const raw = floorBase();
    set(raw, floor);
    expect(() => parseConfig(raw, "test.yaml", {})).not.toThrow();
  });
});
