// `cam-rotator notify test` through the real binary: a test message to each target (or one), each answer
// printed, exit 1 when a target refuses or times out, exit 2 for an unknown target or a missing variable; no URL,
// token or secret in the output.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBuild, runBinary } from "../security/binary.js";
import { fiveTargets } from "../support/notify-rig.js";
import { problemsOf } from "../support/notify-platforms.js";
import { startNotifyReceiver, type NotifyReceiver } from "../support/notify-receiver.js";

let dir: string;
let receiver: NotifyReceiver;
let targets: ReturnType<typeof fiveTargets>;
let configPath: string;
let bareConfigPath: string;

beforeAll(async () => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), "cam-rotator-notify-"));
  receiver = await startNotifyReceiver();
  // Short enough for the hanging case, long enough for a loaded machine to answer the others.
  targets = fiveTargets(receiver.origin, { timeout: "3s" });
  const base = {
    redis: { url: "redis://127.0.0.1:1" }, // Nothing listens there: no command here may reach a Redis.
    vault: { type: "file", path: join(dir, "vault.json") },
    accounts: [
      {
        name: "main",
        credentials: { secretIdEnv: "X_ID", secretKeyEnv: "X_KEY" },
        users: [100000000011],
        schedule: "0 3 * * *",
        maxKeyAgeDays: 90,
      },
    ],
  };
  configPath = join(dir, "config.json");
  writeFileSync(configPath, JSON.stringify({ ...base, notify: { targets: targets.raw } }));
  bareConfigPath = join(dir, "bare.json");
  writeFileSync(bareConfigPath, JSON.stringify(base));
});

afterAll(async () => {
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[], env: Record<string, string> = targets.env) =>
  runBinary(["notify", "test", ...args], { env });

function expectNoCredentials(text: string): void {
  for (const credential of targets.credentials) expect(text).not.toContain(credential);
  expect(text).not.toContain(receiver.origin);
}

// Each case spawns the binary up to four times: seconds apiece on a loaded machine.
describe("cam-rotator notify test", { timeout: 90_000 }, () => {
  it("sends a valid, signed test message to every target and prints each answer", async () => {
    receiver.plan(() => undefined);
    const before = receiver.received.length;
    const result = await run(["--config", configPath]);
    expect(result.code, result.stderr).toBe(0);
    for (const target of targets.fixtures)
      expect(result.stdout).toMatch(new RegExp(`^ok\\s+${target.name}\\s+${target.platform}\\s+delivered`, "m"));
    expect(result.stdout).toContain("all targets answered");
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(5);
    for (const target of targets.fixtures) {
      const request = got.find((entry) => entry.path === target.path)!;
      expect(problemsOf(target.platform, request, target.secret), target.name).toEqual([]);
      expect(request.body).toContain(`test-${target.name}-`);
      if (target.platform !== "webhook") expect(request.body).toContain(`test message for target ${target.name}`);
    }
    expectNoCredentials(result.stdout + result.stderr);
  });

  it("--target sends to that target only; a refusal or a timeout exits 1 with the answer", async () => {
    receiver.plan((request) =>
      request.path.startsWith("/slack")
        ? { status: 403, body: "invalid_token" }
        : request.path.startsWith("/wecom")
          ? "hang"
          : undefined
    );
    const before = receiver.received.length;
    const slack = await run(["--config", configPath, "--target", "slack"]);
    expect(slack.code).toBe(1);
    expect(slack.stdout).toMatch(/^FAIL\s+slack\s+slack\s+refused: HTTP 403: invalid_token/m);
    expect(receiver.received.slice(before).map((entry) => entry.path.split("/")[1])).toEqual(["slack"]);
    const wecom = await run(["--config", configPath, "--target", "wecom"]);
    expect(wecom.code).toBe(1);
    expect(wecom.stdout).toMatch(/^FAIL\s+wecom\s+wecom\s+retry: no answer within 3000 ms/m);
    expectNoCredentials(slack.stdout + slack.stderr + wecom.stdout + wecom.stderr);
  });

  it("exits 2, sending nothing, for an unknown target, a missing variable or a config without notify", async () => {
    const before = receiver.received.length;
    const unknown = await run(["--config", configPath, "--target", "pager"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'unknown notify target "pager"; the config defines: hook, wecom, ding, feishu, slack'
    );
    const { NOTIFY_DING_SECRET: _dropped, ...withoutSecret } = targets.env;
    const missing = await run(["--config", configPath], withoutSecret);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("notify.targets[2].secretEnv: environment variable NOTIFY_DING_SECRET is not set");
    const notUrl = await run(["--config", configPath], {
      ...targets.env,
      NOTIFY_SLACK_URL: "hooks.slack.com/services/T/B/s3cr3tt0ken",
    });
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toContain(
      "notify.targets[4].urlEnv: environment variable NOTIFY_SLACK_URL does not hold an http(s) URL"
    );
    expect(notUrl.stderr).not.toContain("s3cr3tt0ken");
    const bare = await run(["--config", bareConfigPath]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("the config has no notify: block");
    expect(receiver.received.length).toBe(before);
    expectNoCredentials([unknown, missing, notUrl, bare].map((result) => result.stdout + result.stderr).join("\n"));
  });

  it("the worker exits 2 naming a missing target variable, before it even tries Redis", async () => {
    const { NOTIFY_FEISHU_URL: _dropped, ...env } = targets.env;
    const worker = await runBinary(["worker", "--config", configPath], { env: { ...env, X_ID: "AKIDx", X_KEY: "y" } });
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain("notify.targets[3].urlEnv: environment variable NOTIFY_FEISHU_URL is not set");
    expect(worker.stderr).not.toContain("unreachable");
  });
});
