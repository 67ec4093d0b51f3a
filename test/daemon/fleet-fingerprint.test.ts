// Issue 15, item 2: daemons sharing a Redis prefix publish a fingerprint of the settings that matter; one that
// sees a live fingerprint other than its own refuses to act (no job taken, no schedule fired), logs an alert,
// raises a metric, and its /readyz says why; it recovers once the fleet agrees again.
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { parseConfig, type AccountConfig, type Config } from "../../src/config/index.js";
import { configFingerprint, differingSections } from "../../src/daemon/config-fingerprint.js";
import { startDaemon, type Daemon } from "../../src/daemon/daemon.js";
import { createRedisRunCoordinator } from "../../src/daemon/run-coordinator.js";
import { startSchedules, type FireOutcome } from "../../src/daemon/schedules.js";
import { createLogger, silentLogger } from "../../src/log.js";
import { ACCOUNT, createRig, eventually, scanRigs, USER_UIN, type Rig } from "../support/harness.js";
import { CREDENTIAL_ENV, TEST_RECORD_KEY } from "../support/rig-constants.js";
import { RECORD_KEY_ENV } from "../../src/jobs/record-mac.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

const FLEET = { ttlMs: 1_500, intervalMs: 250 };

function configOf(rig: Rig, nameTemplate: string): Config {
  const raw = rig.rawConfig as { vault: Record<string, unknown> };
  return parseConfig(
    { ...rig.rawConfig, vault: { ...raw.vault, nameTemplate }, http: { host: "127.0.0.1", port: 0 } },
    "fleet test",
    {}
  );
}

async function daemonOf(rig: Rig, config: Config, logs: string[]): Promise<Daemon> {
  process.env.AWS_ACCESS_KEY_ID ??= "testing";
  process.env.AWS_SECRET_ACCESS_KEY ??= "testing";
  const log = createLogger(
    { level: "info", name: "fleet-test" },
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        rig.logs.push(String(chunk));
        done();
      },
    })
  );
  return startDaemon(config, {
    log,
    fleet: FLEET,
    env: {
      [CREDENTIAL_ENV.secretIdEnv]: rig.rootCredentials.secretId,
      [CREDENTIAL_ENV.secretKeyEnv]: rig.rootCredentials.secretKey,
      [RECORD_KEY_ENV]: TEST_RECORD_KEY.toString("base64"),
    },
  });
}

const readyz = async (daemon: Daemon) => {
  const response = await fetch(`${daemon.http!.url}/readyz`);
  return { status: response.status, text: await response.text() };
};
const driftMetric = async (daemon: Daemon) =>
  (await fetch(`${daemon.http!.url}/metrics`).then((response) => response.text()))
    .split("\n")
    .find((line) => line.startsWith("cam_rotator_config_drift "));

describe("config fingerprints across daemons sharing a prefix", () => {
  it(
    "a daemon whose vault name template differs refuses, /readyz names why, and it recovers when the fleet agrees",
    { timeout: 60_000 },
    async () => {
      const rig = await createRig({ worker: false });
      const first = await daemonOf(rig, configOf(rig, rig.nameTemplate), []);
      let second: Daemon | undefined;
      try {
        expect((await readyz(first)).status).toBe(200);
        const secondLogs: string[] = [];
        second = await daemonOf(rig, configOf(rig, `t-${randomUUID()}/{account}/{uin}`), secondLogs);

        const refused = await readyz(second);
        expect(refused.status).toBe(503);
        expect(refused.text).toContain("config differs from 1 live daemon(s)");
        expect(refused.text).toContain("differs in vault");
        expect(await driftMetric(second)).toBe("cam_rotator_config_drift 1");
        expect(await fetch(`${second.http!.url}/metrics`).then((response) => response.text())).toMatch(
          /^cam_rotator_ready 0$/m
        );
        expect(secondLogs.join("")).toContain('"alert":"config-drift"');
        // The first daemon sees the second within a heartbeat, and refuses too: neither half of the fleet acts.
        await eventually(
          async () => ((await readyz(first)).status === 503 ? true : undefined),
          5_000,
          "the first daemon to refuse"
        );

        // A rotation enqueued now waits: a worker that took it anyway (a fetch already under way) hands it back
        // untouched, so it never reaches CAM.
        const { jobId } = await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
        await sleep(1_500);
        expect(["waiting", "delayed"]).toContain(await (await rig.queue.getJob(jobId))?.getState());
        expect((await rig.requests()).filter((request) => request.targetUin === USER_UIN)).toEqual([]);

        // The first daemon leaves (a rolling deploy finishing): the second one's config is the fleet's now.
        await first.shutdown("test");
        await eventually(
          async () => ((await readyz(second!)).status === 200 ? true : undefined),
          5_000,
          "the second daemon to recover"
        );
        expect(await driftMetric(second)).toBe("cam_rotator_config_drift 0");
        expect(secondLogs.join("")).toContain("the fleet's configs agree again");
        const outcome = await rig.engine.waitForRotation(jobId, undefined, 20_000);
        expect(outcome.kind).toBe("rotated");
      } finally {
        await second?.shutdown("test");
        await first.shutdown("test");
        await rig.close();
      }
    }
  );

  it("schedules of a refusing daemon fire nothing", async () => {
    const redis = new Redis(inject("redisUrl"));
    const enqueued: number[] = [];
    const fires: FireOutcome[] = [];
    const schedules = startSchedules({
      accounts: [{ name: "main", schedule: "* * * * * *", timezone: "UTC" } as AccountConfig],
      coordinator: createRedisRunCoordinator({ redis, prefix: `t-${randomUUID()}`, owner: "refusing" }),
      log: silentLogger,
      engine: {
        async enqueueSweep(_account, slot) {
          enqueued.push(slot);
          return { jobId: String(slot), added: true };
        },
      },
      onFire: (_account, _slot, outcome) => fires.push(outcome),
      refusal: () => "config differs",
    });
    try {
      await sleep(2_300);
    } finally {
      await schedules.stop();
      await redis.quit();
    }
    expect(fires.length).toBeGreaterThanOrEqual(1);
    expect(new Set(fires)).toEqual(new Set(["refused"]));
    expect(enqueued).toEqual([]);
  });

  it("hashes the settings that matter, not credentials, worker or http settings", () => {
    const base = {
      vault: { type: "aws-secrets-manager", region: "us-east-1", nameTemplate: "a/{account}/{uin}" },
      accounts: [
        {
          name: "main",
          credentials: { secretIdEnv: "A_ID", secretKeyEnv: "A_KEY" },
          users: [100000000011],
          schedule: "0 3 * * *",
          maxKeyAgeDays: 90,
        },
      ],
    };
    const fingerprint = (raw: Record<string, unknown>) =>
      configFingerprint(parseConfig(raw, "fingerprint test", {}), "host-a");
    const reference = fingerprint(base);
    expect(
      fingerprint({
        ...base,
        worker: { concurrency: 3 },
        http: { port: 1 },
        accounts: [{ ...base.accounts[0], credentials: { secretIdEnv: "B_ID", secretKeyEnv: "B_KEY" } }],
      }).hash
    ).toBe(reference.hash);
    expect(
      differingSections(reference, fingerprint({ ...base, vault: { ...base.vault, region: "eu-west-1" } }))
    ).toEqual(["vault"]);
    expect(
      differingSections(reference, fingerprint({ ...base, accounts: [{ ...base.accounts[0], users: [100000000012] }] }))
    ).toEqual(["accounts"]);
    expect(differingSections(reference, fingerprint({ ...base, rotation: { attempts: 3 } }))).toEqual(["rotation"]);
    const fileVault = { ...base, vault: { type: "file", path: "/var/lib/cam-rotator/vault.json" } };
    expect(configFingerprint(parseConfig(fileVault, "t", {}), "host-a").hash).not.toBe(
      configFingerprint(parseConfig(fileVault, "t", {}), "host-b").hash
    );
  });
});
