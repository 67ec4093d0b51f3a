// Bad arguments and bad configs: exit 2, a message naming the path and value, a usage hint, no stack trace,
// and nothing started or written.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCliEnv, type CliEnv } from "./cli-env.js";

let world: CliEnv;
beforeAll(async () => {
  world = await createCliEnv({ users: [{ uin: 100000000011, name: "deployer" }] });
});
afterAll(() => world.close());

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe("cam-rotator arguments", () => {
  it("prints every command and the exit codes in --help, exit 0", async () => {
    const { code, stdout } = await world.run(["--help"]);
    expect(code).toBe(0);
    for (const command of [
      "worker",
      "rotate",
      "sweep",
      "status",
      "flagged",
      "approve-removal",
      "dismiss-flag",
      "retry-failed",
      "pause",
      "resume",
      "events",
      "vault",
      "check-config",
      "canary",
      "cam-sim",
      "legacy",
    ]) {
      expect(stdout).toContain(`  ${command}`);
    }
    expect(stdout).toMatch(/Exit codes:[\s\S]*0 [\s\S]*1 [\s\S]*2 [\s\S]*3 /);
    const rotate = await world.run(["rotate", "--help"]);
    expect(rotate.code).toBe(0);
    expect(rotate.stdout).toContain("--wait");
    expect(rotate.stdout).toContain("3  rotate --wait: the rotation is parked");
  });

  it.each([
    [["bogus"], "unknown command 'bogus'"],
    [[], "Usage: cam-rotator"],
    [["rotate", "--account", "main"], "required option '--uin <uin>' not specified"],
    [
      ["rotate", "--account", "main", "--uin", "12ab"],
      'expected a UIN (a positive integer such as 100000000011), got "12ab"',
    ],
    [["rotate", "--account", "main", "--uin", "0"], 'got "0"'],
    [["sweep"], "required option '--account <name>' not specified"],
    [["status", "--frobnicate"], "unknown option '--frobnicate'"],
    [["approve-removal", "--key", "not a key!"], "expected an AccessKeyId"],
    [["events", "--count", "lots"], 'expected a count between 1 and 10000, got "lots"'],
    [["vault"], "Usage: cam-rotator vault"],
    [["vault", "show", "--account", "main"], "required option '--uin <uin>' not specified"],
    [["canary", "--account", "main"], "required option '--uin <uin>' not specified"],
    [["canary", "--account", "main", "--uin", "-5"], "expected a UIN"],
  ])("%j exits 2 with a usage hint", async (args, message) => {
    const { code, stdout, stderr } = await world.run(args);
    expect(code).toBe(2);
    expect(stdout + stderr).toContain(message);
    if (args.length > 0) expect(stderr).toMatch(/--help/);
    noStack(stderr);
  });

  it("exits 2 when no config is given, naming the flag and the variable", async () => {
    const { code, stderr } = await world.run(["status"]);
    expect(code).toBe(2);
    expect(stderr).toContain("pass --config FILE or set CAM_ROTATOR_CONFIG");
  });

  it("reads the config from CAM_ROTATOR_CONFIG", async () => {
    const bad = world.writeConfig({ redis: { url: "http://nope" } }, "env-config.json");
    const { code, stderr } = await world.run(["status"], { env: { CAM_ROTATOR_CONFIG: bad } });
    expect(code).toBe(2);
    expect(stderr).toContain(bad);
    expect(stderr).toContain('redis.url: expected a redis:// or rediss:// URL, got "http://nope"');
  });

  it("exits 2 for a missing or unparseable config file, naming the path", async () => {
    const missing = await world.run(["status", "--config", `${world.dir}/nope.yaml`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${world.dir}/nope.yaml`);
    expect(missing.stderr).toContain("ENOENT");
    const garbled = world.writeConfig("redis: [unclosed", "garbled.yaml");
    const parsed = await world.run(["check-config", "--config", garbled]);
    expect(parsed.code).toBe(2);
    expect(parsed.stderr).toContain(garbled);
    noStack(parsed.stderr);
  });

  it("exits 2 for a schema error in every command, naming the path and the bad value, and starts nothing", async () => {
    const raw = JSON.parse(
      JSON.stringify({
        redis: { url: "redis://127.0.0.1:1", prefix: world.prefix },
        vault: { type: "file", path: `${world.dir}/v.json` },
        accounts: [
          {
            name: "main",
            credentials: { secretIdEnv: "A", secretKeyEnv: "B" },
            users: [1],
            schedule: "0 3 * * *",
            maxKeyAgeDays: "ninety",
          },
        ],
      })
    );
    const path = world.writeConfig(raw, "bad-schema.json");
    for (const args of [
      ["worker"],
      ["status"],
      ["check-config"],
      ["rotate", "--account", "main", "--uin", "1"],
      ["sweep", "--account", "main"],
    ]) {
      const { code, stderr } = await world.run([...args, "--config", path]);
      expect(code, args.join(" ")).toBe(2);
      expect(stderr).toContain(path);
      expect(stderr).toContain('accounts[0].maxKeyAgeDays: expected a positive integer, got "ninety"');
      noStack(stderr);
    }
    const { existsSync } = await import("node:fs");
    expect(existsSync(`${world.dir}/v.json`)).toBe(false);
  });

  it("exits 2 for an unknown account or a UIN outside the account", async () => {
    const account = await world.run([
      "rotate",
      "--account",
      "nope",
      "--uin",
      "100000000011",
      "--config",
      world.configPath,
    ]);
    expect(account.code).toBe(2);
    expect(account.stderr).toContain('account "nope" is not in the configuration (configured: "main")');
    const uin = await world.run([
      "vault",
      "show",
      "--account",
      "main",
      "--uin",
      "100000000099",
      "--config",
      world.configPath,
    ]);
    expect(uin.code).toBe(2);
    expect(uin.stderr).toContain('UIN 100000000099 is not in accounts["main"].users');
    noStack(uin.stderr);
  });

  it("the worker and approve-removal exit 2 without CAM_ROTATOR_RECORD_KEY, and on a malformed one without echoing it", async () => {
    for (const args of [["worker"], ["approve-removal", "--key", "AKIDnotflagged0000000000000000000000"]]) {
      const unset = await world.run([...args, "--config", world.configPath], { env: { CAM_ROTATOR_RECORD_KEY: "" } });
      expect(unset.code, unset.stderr).toBe(2);
      expect(unset.stderr).toContain("CAM_ROTATOR_RECORD_KEY: environment variable is not set");
      noStack(unset.stderr);
    }
    const malformed = "c2hvcnQtYW5kLW5vdC1yYW5kb20=";
    const bad = await world.run(["worker", "--config", world.configPath], {
      env: { CAM_ROTATOR_RECORD_KEY: malformed },
    });
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain("CAM_ROTATOR_RECORD_KEY: expected at least 32 random bytes in base64");
    expect(bad.stderr).not.toContain(malformed);
  });

  it("the worker exits 2 when a credential variable is missing, naming it", async () => {
    const { code, stderr } = await world.run(["worker", "--config", world.configPath], {
      env: { TEST_MAIN_SECRET_KEY: "" },
    });
    expect(code).toBe(2);
    expect(stderr).toContain(
      "accounts[0].credentials.secretKeyEnv: environment variable TEST_MAIN_SECRET_KEY is not set"
    );
  });

  it("exits 1 with a clear message when Redis is unreachable", async () => {
    const { code, stderr } = await world.run(["status", "--config", world.configPath], {
      env: { REDIS_URL: "redis://127.0.0.1:1" },
    });
    expect(code).toBe(1);
    expect(stderr).toContain("Redis at redis://127.0.0.1:1 is unreachable: connection refused");
    noStack(stderr);
  });

  it("the worker exits 1 without taking jobs when its HTTP port is taken", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    const raw = JSON.parse(readFileSync(world.configPath, "utf8")) as Record<string, unknown>;
    const path = world.writeConfig({ ...raw, http: { host: "127.0.0.1", port } }, "port-taken.json");
    const { code, stderr } = await world.run(["worker", "--config", path]);
    blocker.close();
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot serve http on 127.0.0.1:${port}`);
    expect(stderr).toContain("EADDRINUSE");
    noStack(stderr);
  });
});
