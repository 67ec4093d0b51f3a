// The checkers the suites rely on must not be vacuous: checkInvariants reports each broken promise, and the
// secret scan finds a secret in every Redis type and in logs.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, inject } from "vitest";
import { checkInvariants } from "../support/invariants.js";
import { ACCOUNT, createRig, OWNER_UIN, scanRigs, USER_UIN } from "../support/harness.js";
import { scanForSecrets } from "../support/secret-scan.js";

afterAll(async () => {
  expect((await scanRigs()).hits).toEqual([]);
});

describe("checkInvariants", () => {
  it("holds for a freshly seeded user", async () => {
    const rig = await createRig({ worker: false });
    try {
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it("reports each broken promise, naming the user and key", async () => {
    const noCurrent = USER_UIN;
    const inactiveCurrent = USER_UIN + 1;
    const orphaned = USER_UIN + 2;
    const wrongSecret = USER_UIN + 3;
    const deletedCurrent = USER_UIN + 4;
    const rig = await createRig({
      worker: false,
      users: [
        { uin: noCurrent, keys: [{ vault: "none" }] },
        { uin: inactiveCurrent, keys: [{ status: "Inactive" }] },
        { uin: orphaned, keys: [{}, { vault: "none" }] },
        { uin: wrongSecret, keys: [{}] },
        { uin: deletedCurrent, keys: [{}] },
      ],
    });
    try {
      const byUin = (uin: number) => rig.seeded.filter((key) => key.uin === uin);
      const [wrong] = byUin(wrongSecret);
      const { versionId } = await rig.vault.stagePending(rig.ref(wrongSecret), randomUUID(), {
        SecretId: wrong!.accessKeyId,
        SecretKey: "not-the-secret-0123456789",
        Uin: wrongSecret,
        Account: ACCOUNT,
        CreateTime: "2025-01-01 08:00:00",
        RotatedAt: "2025-06-01T00:00:00.000Z",
      });
      await rig.vault.promote(rig.ref(wrongSecret), versionId);
      const [gone] = byUin(deletedCurrent);
      await rig.cam.updateAccessKey(deletedCurrent, gone!.accessKeyId, "Inactive");
      await rig.cam.deleteAccessKey(deletedCurrent, gone!.accessKeyId);

      const violations = await checkInvariants({
        simulatorUrl: rig.sim.url,
        vault: rig.vault,
        accounts: [
          {
            account: ACCOUNT,
            ownerUin: OWNER_UIN,
            uins: [noCurrent, inactiveCurrent, orphaned, wrongSecret, deletedCurrent, 100000000077],
          },
        ],
      });
      expect(violations).toEqual(
        expect.arrayContaining([
          `${ACCOUNT}/${noCurrent}: no AWSCURRENT key in the vault`,
          `${ACCOUNT}/${inactiveCurrent}: the vault's current key ${byUin(inactiveCurrent)[0]!.accessKeyId} is Inactive`,
          `${ACCOUNT}/${orphaned}: Active key ${byUin(orphaned)[1]!.accessKeyId} is not in the vault (an orphan whose secret is lost)`,
          expect.stringMatching(
            new RegExp(
              `^${ACCOUNT}/${wrongSecret}: the vault's current key ${wrong!.accessKeyId} does not authenticate: .*AuthFailure\\.SignatureFailure`
            )
          ),
          `${ACCOUNT}/${deletedCurrent}: the vault's current key ${gone!.accessKeyId} was deleted from CAM`,
          `${ACCOUNT}/100000000077: no such user in the simulator`,
        ])
      );
      expect(violations).toHaveLength(6);
      // Told which keys are the rotator's, a foreign Active key outside the vault is not a violation.
      expect(
        await checkInvariants({
          simulatorUrl: rig.sim.url,
          vault: rig.vault,
          createdKeyIds: new Set(),
          accounts: [{ account: ACCOUNT, ownerUin: OWNER_UIN, uins: [orphaned] }],
        })
      ).toEqual([]);
    } finally {
      await rig.close();
    }
  });
});

describe("the secret scan", () => {
  it("finds a secret in every Redis type and in logs", async () => {
    const redis = new Redis(inject("redisUrl"));
    const prefix = `t-${randomUUID()}`;
    const secret = `S3cr3t${randomUUID().replaceAll("-", "")}`;
    try {
      await redis.set(`${prefix}:string`, `x${secret}x`);
      await redis.hset(`${prefix}:hash`, "data", JSON.stringify({ nested: secret }));
      await redis.rpush(`${prefix}:list`, secret);
      await redis.sadd(`${prefix}:set`, secret);
      await redis.zadd(`${prefix}:zset`, 1, secret);
      await redis.xadd(`${prefix}:stream`, "*", "detail", secret);
      await redis.set(`${prefix}:clean`, "nothing here");
      const report = await scanForSecrets(redis, [prefix], [secret], ["a clean line", `{"msg":"${secret}"}`]);
      expect(report.keysRead).toBe(7);
      expect(report.types).toEqual({ string: 2, hash: 1, list: 1, set: 1, zset: 1, stream: 1 });
      expect(report.hits).toHaveLength(7);
      expect(report.hits.join("\n")).not.toContain(secret);
    } finally {
      redis.disconnect();
    }
  });
});
