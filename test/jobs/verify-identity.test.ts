// Step 6, verify, against the ways real CAM may answer (issue 11, section 1): STS GetCallerIdentity proves the
// new key; a refusal for lack of permission still proves it; a key that signs as someone else is deleted at once
// and never promoted; a clock CAM calls wrong keeps the key staged; a key that takes its time is waited for.
import { afterAll, describe, expect, it } from "vitest";
import { identityMismatch } from "../../src/cam/key-proof.js";
import { createRig, OWNER_UIN, ROTATOR_UIN, scanRigs, USER_UIN, type Rig } from "../support/harness.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.keysRead).toBeGreaterThan(0);
  expect(report.hits).toEqual([]);
});

const count = async (rig: Rig, action: string) =>
  (await rig.requests()).filter((entry) => entry.action === action).length;

/** What a rotation that held looks like: the new key current and Active, the old one previous, nothing deleted. */
async function expectRotated(rig: Rig, outcome: Awaited<ReturnType<Rig["rotate"]>>): Promise<void> {
  expect(outcome).toMatchObject({ kind: "rotated", previousKeyId: rig.seeded[0]!.accessKeyId });
  if (outcome.kind !== "rotated") return;
  expect((await rig.vault.describe(rig.ref())).current?.accessKeyId).toBe(outcome.newKeyId);
  expect(await count(rig, "DeleteAccessKey")).toBe(0);
  expect(await count(rig, "CreateAccessKey")).toBe(1);
  expect(await rig.invariants()).toEqual([]);
}

describe("a least-privilege user (no CAM permission at all)", () => {
  it("is rotated with 0 deletions of its new key when GetUserAppId needs a permission it lacks", async () => {
    const rig = await createRig({ rotation: { verifyTimeout: 1_500, attempts: 3 } });
    try {
      rig.sim.simulator.setSwitches({ getUserAppIdNeedsPermission: true });
      const outcome = await rig.rotate();
      expect(outcome.kind).toBe("rotated");
      expect(await count(rig, "DeleteAccessKey")).toBe(0);
      const proof = (await rig.requests()).filter(
        (entry) => entry.action === "GetCallerIdentity" && entry.secretId !== rig.rootCredentials.secretId
      );
      expect(proof.map((entry) => entry.outcome)).toEqual(["OK"]);
      await expectRotated(rig, outcome);
    } finally {
      await rig.close();
    }
  });

  it("is rotated when STS and GetUserAppId both refuse it (UnauthorizedOperation): the signature was accepted", async () => {
    const rig = await createRig({ rotation: { verifyTimeout: 1_500, attempts: 3 } });
    try {
      rig.sim.simulator.setSwitches({ getUserAppIdNeedsPermission: true });
      rig.sim.simulator.setUserSwitches({ uin: USER_UIN, deny: ["GetCallerIdentity", "GetUserAppId"] });
      await expectRotated(rig, await rig.rotate());
      const events = await rig.engine.readEvents({ count: 100 });
      expect(events.find((event) => event.type === "key-verified")?.detail).toMatch(
        /AuthFailure\.UnauthorizedOperation.*signature was accepted/
      );
    } finally {
      await rig.close();
    }
  });
});

describe("a new key that authenticates as another user", () => {
  it("is deleted at once, never promoted, and the rotation fails for good without waiting out verifyTimeout", async () => {
    const rig = await createRig({ rotation: { verifyTimeout: 15_000, attempts: 3 } });
    try {
      rig.sim.simulator.setUserSwitches({ uin: USER_UIN, newKeysAuthenticateAs: ROTATOR_UIN });
      const started = Date.now();
      const outcome = await rig.rotate();
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(outcome).toMatchObject({
        kind: "failed",
        reason: expect.stringMatching(
          new RegExp(`authenticates as uin ${ROTATOR_UIN} of account ${OWNER_UIN}.*never promoted`)
        ),
      });
      const vault = await rig.vault.describe(rig.ref());
      expect(vault.current?.accessKeyId).toBe(rig.seeded[0]!.accessKeyId);
      expect(vault.pending).toBeUndefined();
      expect((await rig.keysOf()).map((key) => key.accessKeyId)).toEqual([rig.seeded[0]!.accessKeyId]);
      expect(await count(rig, "CreateAccessKey")).toBe(1);
      expect(await count(rig, "DeleteAccessKey")).toBe(1);
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it("identityMismatch names the user and account it signs as, and also catches the right UIN in another account", () => {
    const identity = {
      accountId: "200000000001",
      userId: String(USER_UIN),
      principalId: String(USER_UIN),
      type: "CAMUser",
      arn: "x",
    };
    expect(identityMismatch(identity, USER_UIN, String(OWNER_UIN))).toBe(
      `it authenticates as uin ${USER_UIN} of account 200000000001 (CAMUser), not uin ${USER_UIN} of account ${OWNER_UIN}`
    );
    expect(identityMismatch(identity, USER_UIN, "200000000001")).toBeNull();
    expect(identityMismatch(identity, USER_UIN, null)).toBeNull();
  });
});

describe("a new key that takes time to authenticate (switch newKeyAuthDelayMs)", () => {
  it("within verifyTimeout: verify keeps asking through AuthFailure.SecretIdNotFound and the rotation completes", async () => {
    const rig = await createRig({ rotation: { verifyTimeout: 6_000, attempts: 1 } });
    try {
      rig.sim.simulator.setSwitches({ newKeyAuthDelayMs: 1_200 });
      const outcome = await rig.rotate();
      const proofs = (await rig.requests()).filter(
        (entry) => entry.action === "GetCallerIdentity" && entry.secretId !== rig.rootCredentials.secretId
      );
      expect(proofs.length).toBeGreaterThan(1);
      expect(proofs.slice(0, -1).every((entry) => entry.outcome === "AuthFailure.SecretIdNotFound")).toBe(true);
      expect(proofs.at(-1)!.outcome).toBe("OK");
      await expectRotated(rig, outcome);
    } finally {
      await rig.close();
    }
  });

  it("beyond verifyTimeout: the key is deleted, its pending version dropped, the reason names the code", async () => {
    const rig = await createRig({ rotation: { verifyTimeout: 800, attempts: 1 } });
    try {
      rig.sim.simulator.setSwitches({ newKeyAuthDelayMs: 60_000 });
      const outcome = await rig.rotate();
      expect(outcome).toMatchObject({
        kind: "failed",
        reason: expect.stringMatching(/never authenticated.*AuthFailure\.SecretIdNotFound/),
      });
      expect((await rig.keysOf()).map((key) => key.accessKeyId)).toEqual([rig.seeded[0]!.accessKeyId]);
      expect((await rig.vault.describe(rig.ref())).pending).toBeUndefined();
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });
});

describe("AuthFailure.SignatureExpire while verifying", () => {
  it("fails the rotation at once saying the clock is wrong, keeps the new key staged, and a retry resumes with it", async () => {
    const rig = await createRig({ rotation: { verifyTimeout: 15_000, attempts: 4 } });
    try {
      await rig.faults({ action: "GetCallerIdentity", fault: "error", code: "AuthFailure.SignatureExpire", times: 1 });
      const outcome = await rig.rotate();
      expect(outcome).toMatchObject({
        kind: "failed",
        reason: expect.stringMatching(/clock is wrong.*AuthFailure\.SignatureExpire.*stays staged/),
      });
      const staged = (await rig.vault.describe(rig.ref())).pending;
      expect(staged).toBeDefined();
      expect((await rig.keysOf()).map((key) => key.accessKeyId)).toContain(staged!.accessKeyId);
      expect(await count(rig, "DeleteAccessKey")).toBe(0);

      const again = await rig.rotate();
      expect(again).toMatchObject({ kind: "rotated", newKeyId: staged!.accessKeyId });
      expect(await count(rig, "CreateAccessKey")).toBe(1);
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });
});

describe("the account's identity", () => {
  it("when STS refuses the rotator's own key, the owner check is skipped and the UIN still checked", async () => {
    const rig = await createRig({
      users: [
        { uin: USER_UIN, keys: [{}] },
        { uin: USER_UIN + 1, keys: [{}] },
      ],
    });
    try {
      rig.sim.simulator.setUserSwitches({ uin: ROTATOR_UIN, deny: ["GetCallerIdentity"] });
      expect((await rig.rotate()).kind).toBe("rotated");
      rig.sim.simulator.setUserSwitches({ uin: USER_UIN + 1, newKeysAuthenticateAs: USER_UIN });
      expect(await rig.rotate(USER_UIN + 1)).toMatchObject({
        kind: "failed",
        reason: expect.stringContaining(
          `authenticates as uin ${USER_UIN} of account ${OWNER_UIN} (CAMUser), not uin ${USER_UIN + 1}; it was deleted`
        ),
      });
    } finally {
      await rig.close();
    }
  });

  it("is asked of STS once per client, with the rotator's own key", async () => {
    const rig = await createRig({
      users: [
        { uin: USER_UIN, keys: [{}] },
        { uin: USER_UIN + 1, keys: [{}] },
      ],
    });
    try {
      expect((await rig.rotate()).kind).toBe("rotated");
      expect((await rig.rotate(USER_UIN + 1)).kind).toBe("rotated");
      const own = (await rig.requests()).filter(
        (entry) => entry.action === "GetCallerIdentity" && entry.secretId === rig.rootCredentials.secretId
      );
      expect(own).toHaveLength(1);
    } finally {
      await rig.close();
    }
  });
});
