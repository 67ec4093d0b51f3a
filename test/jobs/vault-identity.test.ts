// Issue 15, item 2: a rotation resumed after a crash right after promote must not take "the vault does not hold
// the key" as evidence when it looks at another vault (another name template) or when the secret was deleted by
// hand: it stops with an alert (event, log, metric) and deletes nothing, so the key the vault holds as current
// stays Active (P2).
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/daemon/metrics.js";
import { createRecordSigner, MAC_FIELD } from "../../src/jobs/record-mac.js";
import type { RotationOutcome } from "../../src/jobs/engine/face.js";
import { createRotationEngine } from "../../src/jobs/engine/create-engine.js";
import { createAwsSecretsManagerVault } from "../../src/vault/aws-secrets-manager.js";
import { renderSecretName } from "../../src/vault/secret-name.js";
import { ACCOUNT, createRig, scanRigs, USER_UIN, type Rig } from "../support/harness.js";
import { TEST_AWS_CREDENTIALS, TEST_RECORD_KEY, TEST_TUNING } from "../support/rig-constants.js";
import { collectWorkerSecrets, runWorkerProcess } from "../support/run-worker-process.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.keysRead).toBeGreaterThan(0);
  expect(report.hits).toEqual([]);
});

/** A rig whose rotation of USER_UIN died by SIGKILL right after promote; returns the job id and the new key. */
async function crashedAfterPromote(rig: Rig): Promise<{ jobId: string; newKeyId: string }> {
  const secretsFile = join(tmpdir(), `cam-rotator-vault-identity-${randomUUID()}`);
  try {
    const { jobId } = await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
    const exit = await runWorkerProcess(rig, { crashAfter: "promote" }, secretsFile);
    expect(exit.signal).toBe("SIGKILL");
    const newKeyId = (await rig.vault.describe(rig.ref())).current?.accessKeyId;
    expect(newKeyId).toBeDefined();
    expect(newKeyId).not.toBe(rig.seeded[0]!.accessKeyId);
    return { jobId, newKeyId: newKeyId! };
  } finally {
    collectWorkerSecrets(rig, secretsFile);
  }
}

/** Runs the job on an engine of this rig built over `vault` (a replica with other vault settings) until it ends. */
async function resumeOn(
  rig: Rig,
  jobId: string,
  vault: ReturnType<typeof createAwsSecretsManagerVault>,
  nameTemplate = rig.nameTemplate
): Promise<{ outcome: RotationOutcome; metrics: string }> {
  const metrics = createMetrics(
    { queueCounts: async () => ({}), flags: async () => [], oldestKeyAgeSeconds: async () => ({}) },
    { defaultMetrics: false }
  );
  const config = { ...rig.config, vault: { ...rig.config.vault, nameTemplate } as typeof rig.config.vault };
  const engine = createRotationEngine({
    config,
    connection: rig.redis,
    vault,
    camFor: () => rig.cam,
    log: rig.log,
    observer: metrics.engineObserver,
    tuning: TEST_TUNING,
  });
  const worker = engine.startWorker({ concurrency: 1 });
  try {
    const outcome = await engine.waitForRotation(jobId, undefined, 30_000);
    return { outcome, metrics: await metrics.registry.metrics() };
  } finally {
    await worker.close(5_000);
    await engine.close();
  }
}

const motoOf = (rig: Rig): string =>
  (rig.config.vault.type === "aws-secrets-manager" ? rig.config.vault.endpoint : undefined) ?? "";
const requestsOf = async (rig: Rig, action: string) =>
  (await rig.requests()).filter((request) => request.action === action);

describe("a rotation resumed after a crash right after promote", () => {
  it(
    "stops on a replica whose vault has another name template: nothing deleted, the current key stays Active",
    { timeout: 60_000 },
    async () => {
      const rig = await createRig({ worker: false });
      try {
        const { jobId, newKeyId } = await crashedAfterPromote(rig);
        const deletesBefore = (await requestsOf(rig, "DeleteAccessKey")).length;
        const createsBefore = (await requestsOf(rig, "CreateAccessKey")).length;
        const otherTemplate = `t-${randomUUID()}/{account}/{uin}`;
        const otherVault = createAwsSecretsManagerVault({
          region: "us-east-1",
          endpoint: motoOf(rig),
          nameTemplate: otherTemplate,
          credentials: TEST_AWS_CREDENTIALS,
          maxAttempts: 1,
        });
        const { outcome, metrics } = await resumeOn(rig, jobId, otherVault, otherTemplate);
        await otherVault.close();

        expect(outcome.kind).toBe("failed");
        const reason = outcome.kind === "failed" ? outcome.reason : "";
        expect(reason).toContain("vault-identity-mismatch");
        expect(reason).toContain(rig.vault.identity(rig.ref()));
        expect(reason).toContain(otherVault.identity(rig.ref()));
        // Nothing deleted, nothing created; the vault's current key is Active in CAM.
        expect((await requestsOf(rig, "DeleteAccessKey")).length).toBe(deletesBefore);
        expect((await requestsOf(rig, "CreateAccessKey")).length).toBe(createsBefore);
        expect(await rig.keysOf()).toEqual(
          expect.arrayContaining([expect.objectContaining({ accessKeyId: newKeyId, status: "Active" })])
        );
        expect(await rig.invariants()).toEqual([]);
        // The alert: an event, a log line and a metric.
        const events = await rig.engine.readEvents({ count: 500 });
        expect(events.filter((event) => event.type === "vault-identity-mismatch")).toHaveLength(1);
        expect(rig.logs.join("")).toContain("rotation stopped: attempt");
        expect(metrics).toContain(
          `cam_rotator_vault_alerts_total{account="${ACCOUNT}",reason="vault-identity-mismatch"} 1`
        );

        // Back on a daemon with the attempt's vault, the retried job finishes the rotation it started.
        await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
        const resumed = await resumeOn(rig, jobId, rig.vault);
        expect(resumed.outcome).toMatchObject({ kind: "rotated", newKeyId, previousKeyId: rig.seeded[0]!.accessKeyId });
        expect(await rig.invariants()).toEqual([]);
      } finally {
        await rig.close();
      }
    }
  );

  it("stops when the secret was deleted by hand: an alert, nothing deleted in CAM", { timeout: 60_000 }, async () => {
    const rig = await createRig({ worker: false });
    try {
      const { jobId, newKeyId } = await crashedAfterPromote(rig);
      const client = new SecretsManagerClient({
        region: "us-east-1",
        endpoint: motoOf(rig),
        credentials: TEST_AWS_CREDENTIALS,
      });
      await client.send(
        new DeleteSecretCommand({
          SecretId: renderSecretName(rig.nameTemplate, rig.ref()),
          ForceDeleteWithoutRecovery: true,
        })
      );
      client.destroy();
      expect((await rig.vault.describe(rig.ref())).exists).toBe(false);
      const deletesBefore = (await requestsOf(rig, "DeleteAccessKey")).length;
      const createsBefore = (await requestsOf(rig, "CreateAccessKey")).length;

      const { outcome, metrics } = await resumeOn(rig, jobId, rig.vault);
      expect(outcome.kind).toBe("failed");
      const reason = outcome.kind === "failed" ? outcome.reason : "";
      expect(reason).toContain("vault-secret-missing");
      expect(reason).toContain(rig.vault.identity(rig.ref()));
      expect((await requestsOf(rig, "DeleteAccessKey")).length).toBe(deletesBefore);
      expect((await requestsOf(rig, "CreateAccessKey")).length).toBe(createsBefore);
      const keys = await rig.keysOf();
      expect(keys.map((key) => [key.accessKeyId, key.status]).sort()).toEqual(
        [
          [newKeyId, "Active"],
          [rig.seeded[0]!.accessKeyId, "Active"],
        ].sort()
      );
      const events = await rig.engine.readEvents({ count: 500 });
      expect(events.filter((event) => event.type === "vault-secret-missing")).toHaveLength(1);
      expect(metrics).toContain(`cam_rotator_vault_alerts_total{account="${ACCOUNT}",reason="vault-secret-missing"} 1`);
    } finally {
      await rig.close();
    }
  });
});

describe("an attempt's recorded vault", () => {
  const progressKey = (rig: Rig) => `${rig.prefix}:rotator:progress:${ACCOUNT}:${USER_UIN}`;
  // Signed as the daemon signs its records, so the record is read as genuine (an unsigned one is ignored).
  const writeRecord = (rig: Rig, fields: Record<string, string>) =>
    rig.redis.hset(progressKey(rig), {
      ...fields,
      [MAC_FIELD]: createRecordSigner(TEST_RECORD_KEY).sign(progressKey(rig), fields),
    });

  it("without a recorded identity (an older version's record) and a key in flight, nothing is deleted", async () => {
    const rig = await createRig({
      users: [{ uin: USER_UIN, keys: [{}, { vault: "none", createTime: "2025-02-01 08:00:00" }] }],
    });
    try {
      const inFlight = rig.seeded[1]!.accessKeyId;
      await writeRecord(rig, {
        attemptId: randomUUID(),
        attemptStart: String(Date.now()),
        newKeyId: inFlight,
        step: "create",
      });
      const outcome = await rig.rotate();
      expect(outcome.kind).toBe("failed");
      expect(outcome.kind === "failed" ? outcome.reason : "").toContain("a vault it did not record");
      expect((await rig.keysOf()).map((key) => key.accessKeyId).sort()).toEqual(
        [rig.seeded[0]!.accessKeyId, inFlight].sort()
      );
      expect(await requestsOf(rig, "DeleteAccessKey")).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it("of another vault, with nothing created yet, goes on in this daemon's vault", async () => {
    const rig = await createRig();
    try {
      await writeRecord(rig, {
        attemptId: randomUUID(),
        attemptStart: String(Date.now()),
        step: "inspect",
        vaultIdentity: "aws-secrets-manager region=eu-west-1 endpoint=default secret=elsewhere/main/1",
      });
      const outcome = await rig.rotate();
      expect(outcome).toMatchObject({ kind: "rotated", previousKeyId: rig.seeded[0]!.accessKeyId });
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });
});
