// vault adopt (issue 12 part 2) against moto and the simulator: a secret made by hand under the name template is
// refused by every rotation until adopted; adopted (its key is the user's), the next rotation replaces its key
// and retires the old one as the previous key, a sweep's too (a value without times has no readable age: due).
// A secret naming another user's key is refused.
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createAdopter } from "../../src/vault/aws-adopt.js";
import { renderSecretName } from "../../src/vault/secret-name.js";
import { TEST_AWS_CREDENTIALS } from "../support/rig-constants.js";
import { ACCOUNT, createRig, scanRigs, USER_UIN } from "../support/harness.js";

const OTHER_UIN = USER_UIN + 1;

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

describe("adopting a hand-made secret", () => {
  it("tags one holding its user's key, after which rotation takes it over; refuses one holding another user's key", async () => {
    const rig = await createRig({
      users: [
        { uin: USER_UIN, keys: [{ vault: "none" }] },
        { uin: OTHER_UIN, keys: [{ vault: "none" }] },
      ],
    });
    const client = new SecretsManagerClient({
      region: "us-east-1",
      endpoint: inject("motoUrl"),
      credentials: TEST_AWS_CREDENTIALS,
    });
    const adopter = createAdopter(
      { region: "us-east-1", endpoint: inject("motoUrl"), nameTemplate: rig.nameTemplate },
      client
    );
    try {
      const [own, other] = rig.seeded;
      for (const [uin, key] of [
        [USER_UIN, own!],
        [OTHER_UIN, own!],
      ] as const) {
        await client.send(
          new CreateSecretCommand({
            Name: renderSecretName(rig.nameTemplate, { account: ACCOUNT, uin }),
            SecretString: JSON.stringify({ SecretId: key.accessKeyId, SecretKey: key.secretAccessKey }),
          })
        );
      }
      expect(await rig.rotate()).toMatchObject({ kind: "failed", reason: expect.stringContaining("not ours") });

      const ref = { account: ACCOUNT, uin: USER_UIN };
      expect(await adopter.plan(ref, () => rig.cam.listAccessKeys(USER_UIN))).toMatchObject({
        action: "adopt",
        keyId: own!.accessKeyId,
      });
      const refused = await adopter.plan({ account: ACCOUNT, uin: OTHER_UIN }, () => rig.cam.listAccessKeys(OTHER_UIN));
      expect(refused).toMatchObject({
        action: "refuse",
        why: `key ${own!.accessKeyId} is not a key of uin ${OTHER_UIN} (ListAccessKeys does not list it)`,
      });
      expect(JSON.stringify(refused)).not.toContain(own!.secretAccessKey);
      expect(other).toBeDefined();

      await adopter.adopt(ref);
      expect(await adopter.plan(ref, () => rig.cam.listAccessKeys(USER_UIN))).toMatchObject({
        action: "skip",
        why: "already managed by cam-rotator",
      });
      const outcome = await rig.rotate(USER_UIN, { force: true });
      expect(outcome).toMatchObject({ kind: "rotated", previousKeyId: own!.accessKeyId });
      expect(await rig.invariants([USER_UIN])).toEqual([]);
    } finally {
      adopter.close();
      await rig.close();
    }
  });

  it("a scheduled (not forced) rotation takes over an adopted secret whose value has no times: an unreadable age is due", async () => {
    const rig = await createRig({ users: [{ uin: USER_UIN, keys: [{ vault: "none" }] }] });
    const client = new SecretsManagerClient({
      region: "us-east-1",
      endpoint: inject("motoUrl"),
      credentials: TEST_AWS_CREDENTIALS,
    });
    const adopter = createAdopter(
      { region: "us-east-1", endpoint: inject("motoUrl"), nameTemplate: rig.nameTemplate },
      client
    );
    try {
      const [own] = rig.seeded;
      const ref = { account: ACCOUNT, uin: USER_UIN };
      await client.send(
        new CreateSecretCommand({
          Name: renderSecretName(rig.nameTemplate, ref),
          SecretString: JSON.stringify({ SecretId: own!.accessKeyId, SecretKey: own!.secretAccessKey }),
        })
      );
      await adopter.adopt(ref);
      const [planned] = await rig.engine.planSweep(ACCOUNT);
      expect(planned).toMatchObject({ uin: USER_UIN, due: true, currentKeyId: own!.accessKeyId });
      const outcome = await rig.rotate(USER_UIN, { force: false });
      expect(outcome).toMatchObject({ kind: "rotated", previousKeyId: own!.accessKeyId });
      expect(await rig.invariants([USER_UIN])).toEqual([]);
    } finally {
      adopter.close();
      await rig.close();
    }
  });
});
