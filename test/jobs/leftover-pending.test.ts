// Issue 15 item 1: a pending label left on the current version (a promote whose second label move failed, or a
// worker that died between the two moves) is a finished rotation, never work in progress. A due user gets a
// genuinely new key, the label goes, and "rotated" is reported only for a key the attempt created and promoted.
import { SecretsManagerClient, UpdateSecretVersionStageCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, describe, expect, it, inject } from "vitest";
import { renderSecretName } from "../../src/vault/secret-name.js";
import { createRig, scanRigs, USER_UIN, type Rig } from "../support/harness.js";
import { labelThrottledClient } from "../support/label-throttle.js";
import { TEST_AWS_CREDENTIALS } from "../support/rig-constants.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.keysRead).toBeGreaterThan(0);
  expect(report.hits).toEqual([]);
});

async function eventsOfType(rig: Rig, type: string) {
  return (await rig.engine.readEvents({ count: 500 })).filter((event) => event.type === type);
}

describe("a leftover AWSPENDING label on the AWSCURRENT version", () => {
  it("set by hand: a due user gets a new current key and the label is removed", async () => {
    const rig = await createRig();
    const sm = new SecretsManagerClient({
      region: "us-east-1",
      endpoint: inject("motoUrl"),
      credentials: TEST_AWS_CREDENTIALS,
    });
    try {
      const oldKey = rig.seeded[0]!;
      const current = (await rig.vault.describe(rig.ref())).current!;
      await sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: renderSecretName(rig.nameTemplate, rig.ref()),
          VersionStage: "AWSPENDING",
          MoveToVersionId: current.versionId,
        })
      );
      expect((await rig.vault.describe(rig.ref())).pending).toEqual(current);

      // Not forced: the user is due (its key is from 2025), as the daily sweep would find it.
      const outcome = await rig.rotate(USER_UIN, { force: false });
      expect(outcome).toMatchObject({ kind: "rotated", previousKeyId: oldKey.accessKeyId });
      if (outcome.kind !== "rotated") return;
      expect(outcome.newKeyId).not.toBe(oldKey.accessKeyId);
      expect(rig.createdKeyIds.has(outcome.newKeyId)).toBe(true);
      const vault = await rig.vault.describe(rig.ref());
      expect(vault.current?.accessKeyId).toBe(outcome.newKeyId);
      expect(vault.previous?.accessKeyId).toBe(oldKey.accessKeyId);
      expect(vault.pending).toBeUndefined();
      expect((await eventsOfType(rig, "leftover-pending-removed")).map((event) => event.keyId)).toEqual([
        oldKey.accessKeyId,
      ]);
      expect(await rig.invariants()).toEqual([]);

      // The key is young now: the next scheduled run has nothing to do, instead of "rotating" the same key again.
      expect(await rig.rotate(USER_UIN, { force: false })).toMatchObject({ kind: "skipped" });
    } finally {
      sm.destroy();
      await rig.close();
    }
  });

  it("left by a throttled second label move: the retried run removes it and completes, and the next run rotates anew", async () => {
    const throttle = labelThrottledClient(inject("motoUrl"));
    const rig = await createRig({ vaultClient: throttle.client, rotation: { attempts: 4 } });
    try {
      const oldKey = rig.seeded[0]!;
      // More throttles than promote's own retries (3), so its attempt fails after AWSCURRENT moved; the next
      // attempt's reconcile is throttled once more, and the one after that finds the label removable.
      throttle.arm(4);
      const first = await rig.rotate();
      expect(throttle.answered).toBe(4);
      expect(first).toMatchObject({ kind: "rotated", previousKeyId: oldKey.accessKeyId });
      if (first.kind !== "rotated") return;
      expect(rig.createdKeyIds.has(first.newKeyId)).toBe(true);
      const vault = await rig.vault.describe(rig.ref());
      expect(vault.current?.accessKeyId).toBe(first.newKeyId);
      expect(vault.pending).toBeUndefined();
      expect((await eventsOfType(rig, "rotation-completed")).map((event) => event.keyId)).toEqual([first.newKeyId]);
      expect(await rig.invariants()).toEqual([]);

      // The old key's retirement would deactivate it after its grace; done by hand so the next rotation has room.
      await rig.cam.updateAccessKey(USER_UIN, oldKey.accessKeyId, "Inactive");
      const second = await rig.rotate();
      expect(second).toMatchObject({ kind: "rotated", previousKeyId: first.newKeyId });
      if (second.kind !== "rotated") return;
      expect(second.newKeyId).not.toBe(first.newKeyId);
      expect((await rig.vault.describe(rig.ref())).current?.accessKeyId).toBe(second.newKeyId);
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
      throttle.client.destroy();
    }
  });
});
