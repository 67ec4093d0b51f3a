// Issue 12 part 2: an older version in another shape must not block rotation. A hand-written AWSPREVIOUS of
// {"SecretId", "SecretKey"} only (no Uin, Account or CreateTime) used to fail every rotation for good ("version
// ... does not hold a secret document"); so did one that is not JSON at all. Only the current version's key id
// matters: the first still names its key, the second is reported as unreadable by describe (`vault show`).
import { randomUUID } from "node:crypto";
import {
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, describe, expect, inject, it } from "vitest";
import { renderSecretName } from "../../src/vault/secret-name.js";
import { TEST_AWS_CREDENTIALS } from "../support/rig-constants.js";
import { ACCOUNT, createRig, scanRigs, USER_UIN, type Rig } from "../support/harness.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

/** Makes `text` current by hand, then the rotator's version current again: `text` ends as AWSPREVIOUS. */
async function handWrittenPrevious(rig: Rig, text: string): Promise<void> {
  const current = await rig.vault.readCurrent(rig.ref());
  const client = new SecretsManagerClient({
    region: "us-east-1",
    endpoint: inject("motoUrl"),
    credentials: TEST_AWS_CREDENTIALS,
  });
  const name = renderSecretName(rig.nameTemplate, { account: ACCOUNT, uin: USER_UIN });
  const move = (to: string, from: string) =>
    client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: "AWSCURRENT",
        MoveToVersionId: to,
        RemoveFromVersionId: from,
      })
    );
  try {
    const hand = randomUUID();
    await client.send(
      new PutSecretValueCommand({
        SecretId: name,
        ClientRequestToken: hand,
        SecretString: text,
        VersionStages: ["HANDWRITTEN"],
      })
    );
    await move(hand, current!.versionId);
    await move(current!.versionId, hand);
  } finally {
    client.destroy();
  }
}

describe("an AWSPREVIOUS version in another shape", () => {
  it("{SecretId, SecretKey} only: describe names its key, and the rotation completes", async () => {
    const rig = await createRig();
    try {
      const seededKey = rig.seeded[0]!;
      await handWrittenPrevious(
        rig,
        JSON.stringify({ SecretId: "AKIDhandwritten00000000000000000001", SecretKey: "hand-written-not-a-real-secret" })
      );
      rig.secrets.add("hand-written-not-a-real-secret");
      const before = await rig.vault.describe(rig.ref());
      expect(before.current?.accessKeyId).toBe(seededKey.accessKeyId);
      expect(before.previous?.accessKeyId).toBe("AKIDhandwritten00000000000000000001");
      const outcome = await rig.rotate();
      expect(outcome).toMatchObject({ kind: "rotated", previousKeyId: seededKey.accessKeyId });
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it("not JSON: describe reports it unreadable (never its value), and the rotation completes", async () => {
    const rig = await createRig();
    try {
      await handWrittenPrevious(rig, "plain text, not a document");
      const before = await rig.vault.describe(rig.ref());
      expect(before.previous).toBeUndefined();
      expect(before.unreadable).toEqual([{ stage: "AWSPREVIOUS", versionId: expect.any(String), problem: "not JSON" }]);
      expect((await rig.rotate()).kind).toBe("rotated");
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });
});
