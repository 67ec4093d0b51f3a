// P8 at the process level: a real `cam-rotator worker` daemon whose CAM endpoint answers only malformed things
// (garbage, `null`, wrong shapes, 8 MB bodies, 503s, cut connections) keeps running. Each rotation fails with a
// classified reason after its attempts, no stack trace reaches the output, and the daemon still serves /metrics
// and shuts down cleanly on SIGTERM.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CLI, daemonReady, metricsUrlOf, startProcess, type ManagedProcess } from "../../bench/processes.js";
import { newAccessKeyId, newSecretAccessKey } from "../../src/cam/simulator/ids.js";
import { parseConfig } from "../../src/config/index.js";
import { openRuntime, type Runtime } from "../../src/daemon/open-runtime.js";
import { jobIds } from "../../src/jobs/queue.js";
import { RECORD_KEY_ENV } from "../../src/jobs/record-mac.js";
import { silentLogger } from "../../src/log.js";
import { createFileVault, FILE_VAULT_KEY_ENV } from "../../src/vault/index.js";
import { TEST_RECORD_KEY } from "../support/rig-constants.js";
import { requireBuild, STACK_FRAME } from "./binary.js";
import { hangUp, ok, startMalformedServer, status, type Answer, type MalformedServer } from "./malformed-server.js";

const UINS = [100000000011, 100000000012, 100000000013];
const MB = 1024 * 1024;
const ANSWERS: Answer[] = [
  ok("<html>not json</html>"),
  ok("null"),
  ok({ Response: { AccessKeys: "nope", RequestId: "r" } }),
  status(503, "busy"),
  ok("x".repeat(8 * MB), "text/plain"),
  hangUp,
  ok({ Response: { Error: { Code: 7 }, RequestId: "r" } }),
  ok({ Response: { AccessKeys: [{ AccessKeyId: 1 }], RequestId: "r" } }),
];

let dir: string;
let server: MalformedServer;
let daemon: ManagedProcess;
let runtime: Runtime;
let metricsUrl: string | undefined;

beforeAll(async () => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), "cam-rotator-malformed-"));
  server = await startMalformedServer();
  let served = 0;
  // The daemon first learns its owner UIN (GetUserAppId) and refuses to start without it (owners.ts): that one
  // call gets a proper answer; every other call gets the malformed ones.
  const identity = ok({
    Response: { Uin: "900000000002", OwnerUin: "900000000001", AppId: 1300000009, RequestId: "r" },
  });
  server.answer((request, response) =>
    request.headers["x-tc-action"] === "GetUserAppId"
      ? identity(request, response)
      : ANSWERS[served++ % ANSWERS.length]!(request, response)
  );

  const key = randomBytes(32);
  const vaultPath = join(dir, "vault.json");
  const vault = createFileVault({ path: vaultPath, key });
  for (const uin of UINS) {
    const ref = { account: "main", uin };
    const { versionId } = await vault.stagePending(ref, randomUUID(), {
      SecretId: newAccessKeyId(),
      SecretKey: newSecretAccessKey(),
      Uin: uin,
      Account: "main",
      CreateTime: "2025-01-01 08:00:00",
      RotatedAt: "2025-01-01T00:00:00.000Z",
    });
    await vault.promote(ref, versionId);
  }
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_OPTIONS: "",
    LOG_LEVEL: "info",
    MAL_SECRET_ID: "AKIDmalformedmalformed",
    MAL_SECRET_KEY: "m".repeat(40),
    [FILE_VAULT_KEY_ENV]: key.toString("base64"),
    [RECORD_KEY_ENV]: TEST_RECORD_KEY.toString("base64"),
  };
  const raw = {
    redis: { url: inject("redisUrl"), prefix: `t-${randomUUID()}` },
    vault: { type: "file", path: vaultPath },
    accounts: [
      {
        name: "main",
        endpoint: server.url,
        credentials: { secretIdEnv: "MAL_SECRET_ID", secretKeyEnv: "MAL_SECRET_KEY" },
        users: UINS,
        schedule: "0 0 1 1 *",
        maxKeyAgeDays: 1,
        requestTimeout: "2s",
      },
    ],
    rotation: { attempts: 2 },
    http: { host: "127.0.0.1", port: 0 },
  };
  const configPath = join(dir, "config.json");
  writeFileSync(configPath, JSON.stringify(raw));
  daemon = startProcess({ name: "daemon", args: [CLI, "worker", "--config", configPath], env, ready: daemonReady });
  metricsUrl = metricsUrlOf(await daemon.ready);
  process.env[FILE_VAULT_KEY_ENV] = key.toString("base64");
  runtime = await openRuntime(parseConfig(raw, configPath, env), { log: silentLogger, env });
}, 60_000);

afterAll(async () => {
  await runtime?.close();
  await daemon?.kill();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a daemon facing a CAM that answers only malformed things", () => {
  it("fails each rotation with a classified reason, keeps running, serves /metrics and stops cleanly", async () => {
    await Promise.all(UINS.map((uin) => runtime.engine.enqueueRotation({ account: "main", uin, force: true })));
    const outcomes = await Promise.all(
      UINS.map((uin) => runtime.engine.waitForRotation(jobIds.rotate("main", uin), undefined, 40_000))
    );
    for (const outcome of outcomes) {
      expect(outcome.kind).toBe("failed");
      if (outcome.kind === "failed")
        expect(outcome.reason).toMatch(/MalformedResponse|HttpStatus503|NetworkError|Timeout/);
    }
    expect(daemon.alive()).toBe(true);
    const metrics = await (await fetch(metricsUrl!)).text();
    expect(metrics).toContain("# TYPE");
    expect(daemon.stdout() + daemon.stderr()).not.toMatch(STACK_FRAME);
    await daemon.stop();
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
