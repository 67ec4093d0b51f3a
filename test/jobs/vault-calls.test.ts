// What a rotation costs the vault (issue 16): Secrets Manager calls per rotation, by API, against moto. The steps
// reuse what the run already saw instead of reading the secret again, and the promotion leaves the planning
// metadata in the secret's tags.
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, describe, expect, inject, it } from "vitest";
import { CURRENT_KEY_TAG, ROTATED_AT_TAG } from "../../src/vault/metadata-tags.js";
import { renderSecretName } from "../../src/vault/secret-name.js";
import { createRig, scanRigs, USER_UIN } from "../support/harness.js";
import { countingVaultClient } from "../support/vault-calls.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

/** The budget of issue 16: six calls, the metadata tags included. */
const MAX_CALLS_PER_ROTATION = 6;

describe("vault calls per rotation", () => {
  it("rotates a user whose key is current in six Secrets Manager calls, and tags the new key id and rotation time", async () => {
    const counter = countingVaultClient(inject("motoUrl"));
    const rig = await createRig({ vaultClient: counter.client });
    try {
      counter.reset(); // The rig's seeding is no rotation.
      const before = Date.now();
      const outcome = await rig.rotate(USER_UIN, { force: true });
      const after = Date.now();
      expect(outcome.kind).toBe("rotated");
      if (outcome.kind !== "rotated") return;

      expect(counter.calls()).toEqual({
        DescribeSecret: 1,
        GetSecretValue: 1,
        PutSecretValue: 1,
        UpdateSecretVersionStage: 2,
        TagResource: 1,
      });
      expect(counter.total()).toBeLessThanOrEqual(MAX_CALLS_PER_ROTATION);

      const described = await counter.client.send(
        new DescribeSecretCommand({ SecretId: renderSecretName(rig.nameTemplate, rig.ref()) })
      );
      const tags = Object.fromEntries((described.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
      expect(tags[CURRENT_KEY_TAG]).toBe(outcome.newKeyId);
      const rotatedAt = Number(tags[ROTATED_AT_TAG]);
      expect(rotatedAt).toBeGreaterThanOrEqual(before);
      expect(rotatedAt).toBeLessThanOrEqual(after);
      const vault = await rig.vault.describe(rig.ref());
      expect(vault.current?.accessKeyId).toBe(outcome.newKeyId);
      expect(vault.pending).toBeUndefined();
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
      counter.client.destroy();
    }
  });

  it("a rotation that first checks the key is due (a sweep's, not forced) reads the key's age along, in the same six calls", async () => {
    const counter = countingVaultClient(inject("motoUrl"));
    const rig = await createRig({ vaultClient: counter.client });
    try {
      counter.reset();
      const outcome = await rig.rotate(USER_UIN, { force: false }); // The seeded key is months old: due.
      expect(outcome.kind).toBe("rotated");
      expect(counter.calls()).toEqual({
        DescribeSecret: 1,
        GetSecretValue: 1,
        PutSecretValue: 1,
        UpdateSecretVersionStage: 2,
        TagResource: 1,
      });

      counter.reset();
      const again = await rig.rotate(USER_UIN, { force: false }); // Now young: skipped after one look.
      expect(again).toMatchObject({ kind: "skipped" });
      expect(counter.calls()).toEqual({ DescribeSecret: 1, GetSecretValue: 2 }); // current and (now real) previous
    } finally {
      await rig.close();
      counter.client.destroy();
    }
  });
});
