// A real daemon (startDaemon, in-process) with a notify: block: it refuses to start without its targets'
// variables; it announces its start and stop (when a target asks for them), CAM credentials that stopped working
// (once, however many calls fail) and the rotation that failed for good because of them.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigError, parseConfig } from "../../src/config/index.js";
import { startDaemon } from "../../src/daemon/daemon.js";
import { jobIds } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/log.js";
import { NOTIFY_EVENT_TYPES } from "../../src/notify/config.js";
import { ACCOUNT, createRig, eventually, USER_UIN, type Rig } from "../support/harness.js";
import { problemsOf } from "../support/notify-platforms.js";
import { eventIdOf, startNotifyReceiver, type NotifyReceiver } from "../support/notify-receiver.js";
import { fiveTargets } from "../support/notify-rig.js";
import { RECORD_KEY_ENV } from "../../src/jobs/record-mac.js";
import { CREDENTIAL_ENV, TEST_RECORD_KEY } from "../support/rig-constants.js";
import { scanForSecrets } from "../support/secret-scan.js";

let rig: Rig;
let receiver: NotifyReceiver;

beforeAll(async () => {
  vi.stubEnv("AWS_ACCESS_KEY_ID", "testing");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "testing");
  rig = await createRig({ worker: false, rotation: { attempts: 2 } });
  receiver = await startNotifyReceiver();
});
afterAll(async () => {
  await rig?.close();
  await receiver?.close();
  vi.unstubAllEnvs();
});

describe("a daemon with notifications", () => {
  it("will not start while a target's variable is missing, naming it", async () => {
    const targets = fiveTargets(receiver.origin);
    const config = parseConfig(
      { ...rig.rawConfig, http: { host: "127.0.0.1", port: 0 }, notify: { targets: targets.raw } },
      "test",
      {}
    );
    const { NOTIFY_WECOM_URL: _dropped, ...env } = targets.env;
    const credentials = {
      [CREDENTIAL_ENV.secretIdEnv]: "AKIDx",
      [CREDENTIAL_ENV.secretKeyEnv]: "y",
      [RECORD_KEY_ENV]: TEST_RECORD_KEY.toString("base64"),
    };
    await expect(
      startDaemon(config, { log: createLogger({ level: "silent" }), env: { ...env, ...credentials } })
    ).rejects.toThrow(ConfigError);
    await expect(
      startDaemon(config, { log: createLogger({ level: "silent" }), env: { ...env, ...credentials } })
    ).rejects.toThrow("notify.targets[1].urlEnv: environment variable NOTIFY_WECOM_URL is not set");
  });

  it("announces start, failing CAM authentication once, the failed rotation, and its stop", async () => {
    const targets = fiveTargets(receiver.origin, { events: [...NOTIFY_EVENT_TYPES] });
    const config = parseConfig(
      {
        ...rig.rawConfig,
        http: { host: "127.0.0.1", port: 0 },
        notify: { targets: targets.raw, attempts: 3, backoff: { base: 50, max: 200 } },
      },
      "test",
      {}
    );
    const logs: string[] = [];
    const log = createLogger(
      { level: "info" },
      new Writable({
        write(chunk, _e, done) {
          logs.push(String(chunk));
          done();
        },
      })
    );
    const env = {
      ...targets.env,
      [CREDENTIAL_ENV.secretIdEnv]: rig.rootCredentials.secretId,
      [CREDENTIAL_ENV.secretKeyEnv]: rig.rootCredentials.secretKey,
      [RECORD_KEY_ENV]: TEST_RECORD_KEY.toString("base64"),
    };
    // The daemon starts (it learns its owner UIN), then CAM refuses the rotator's key as it does a revoked one.
    const daemon = await startDaemon(config, { log, env, schedules: false });
    await rig.faults({ action: "ListAccessKeys", fault: "error", code: "AuthFailure.SignatureFailure", times: 100 });
    try {
      await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
      // (The reason is checked in the notification: waitForRotation may read the job just before BullMQ records it.)
      expect(await rig.engine.waitForRotation(jobIds.rotate(ACCOUNT, USER_UIN), undefined, 20_000)).toMatchObject({
        kind: "failed",
      });
      await eventually(async () => receiver.accepted().length >= 15 || undefined, 15_000, "three messages per target");
    } finally {
      await daemon.shutdown("test over");
    }
    expect(receiver.accepted()).toHaveLength(20);
    for (const target of targets.fixtures) {
      const got = receiver.accepted().filter((request) => request.path === target.path);
      const types = got
        .map(
          (request) =>
            /^(daemon-started|daemon-stopped|cam-auth-failing|rotation-failed)/.exec(eventIdOf(request)!)?.[1]
        )
        .sort();
      expect(types, target.name).toEqual(["cam-auth-failing", "daemon-started", "daemon-stopped", "rotation-failed"]);
      for (const request of got) expect(problemsOf(target.platform, request, target.secret), target.name).toEqual([]);
      const failed = got.find((request) => eventIdOf(request)!.startsWith("rotation-failed"))!;
      expect(failed.body).toContain("AuthFailure.SignatureFailure");
    }
    const scan = await scanForSecrets(
      rig.redis,
      [rig.prefix],
      [...targets.credentials, rig.rootCredentials.secretKey],
      logs,
      receiver.received.map((request) => request.body)
    );
    expect(scan.hits).toEqual([]);
  }, 60_000);
});
