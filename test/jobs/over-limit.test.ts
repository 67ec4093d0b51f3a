// OperationDenied.AccessKeyOverLimit: a user at two keys. The rotator's own Inactive previous key is removed; its
// Active previous key is left to its retirement (the rotation parks until the retirement deactivated it);
// anything else is flagged and the rotation parks until an operator approves (or the key goes away). Foreign keys
// are never touched unapproved (P3).
import { afterAll, describe, expect, it } from "vitest";
import type { FlaggedKey } from "../../src/jobs/engine/face.js";
import { jobIds } from "../../src/jobs/queue.js";
import { GRACE_REASON } from "../../src/jobs/rotate/make-room.js";
import {
  ACCOUNT,
  createRig,
  OWNER_UIN,
  eventually,
  scanRigs,
  USER_UIN,
  waitPastParking,
  type Rig,
} from "../support/harness.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

const calls = async (rig: Rig, action: string) =>
  (await rig.requests()).filter((request) => request.action === action && request.outcome === "OK");

describe("make room from the listing", () => {
  it("deletes our Inactive previous key and completes", async () => {
    const rig = await createRig({
      users: [{ uin: USER_UIN, keys: [{ status: "Inactive", vault: "previous" }, { vault: "current" }] }],
    });
    try {
      const [previous, current] = rig.seeded;
      const outcome = await rig.rotate();
      expect(outcome).toMatchObject({ kind: "rotated", previousKeyId: current!.accessKeyId });
      const keys = (await rig.keysOf()).map((key) => key.accessKeyId);
      expect(keys).not.toContain(previous!.accessKeyId);
      expect(keys).toHaveLength(2);
      expect((await calls(rig, "DeleteAccessKey")).length).toBe(1);
      expect((await calls(rig, "UpdateAccessKey")).length).toBe(0);
      const removed = (await rig.engine.readEvents({ count: 500 })).find((event) => event.type === "key-removed");
      expect(removed).toMatchObject({ keyId: previous!.accessKeyId, detail: expect.stringContaining("Inactive") });
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it.each([
    ["not used since it stopped being current", Date.parse("2025-01-15T00:00:00Z")],
    ["still in use", Date.now()],
  ])(
    "with overLimit: auto, leaves our Active previous key (%s) to its retirement: parked, unflagged, untouched",
    async (_label, lastUsedAt) => {
      const rig = await createRig({
        users: [{ uin: USER_UIN, keys: [{ vault: "previous", lastUsedAt }, { vault: "current" }] }],
      });
      try {
        const [previous] = rig.seeded;
        const outcome = await rig.rotate();
        expect(outcome).toMatchObject({ kind: "parked", flaggedKeyId: previous!.accessKeyId, reason: GRACE_REASON });
        expect((await rig.keysOf()).find((key) => key.accessKeyId === previous!.accessKeyId)?.status).toBe("Active");
        expect(await rig.engine.listFlags()).toEqual([]); // nothing for an operator to decide
        // The wait ends with the key's retirement: with none scheduled (seeded state), make-room schedules one.
        const retire = await rig.queue.getJob(jobIds.retire(ACCOUNT, USER_UIN, previous!.accessKeyId, "deactivate"));
        expect(await retire?.isDelayed()).toBe(true);
        const writes = (await rig.requests()).filter((request) =>
          ["UpdateAccessKey", "DeleteAccessKey", "CreateAccessKey"].includes(request.action)
        );
        expect(writes).toEqual([]);
      } finally {
        await rig.close();
      }
    }
  );

  it("with overLimit: flag-only, flags our unused Active previous key instead of removing it", async () => {
    const rig = await createRig({
      account: { overLimit: "flag-only" },
      users: [{ uin: USER_UIN, keys: [{ vault: "previous" }, { vault: "current" }] }],
    });
    try {
      const [previous] = rig.seeded;
      const outcome = await rig.rotate();
      expect(outcome).toMatchObject({
        kind: "parked",
        flaggedKeyId: previous!.accessKeyId,
        reason: "flag-only-policy",
      });
      expect((await rig.keysOf()).map((key) => key.status)).toEqual(["Active", "Active"]);
      expect((await calls(rig, "UpdateAccessKey")).length + (await calls(rig, "DeleteAccessKey")).length).toBe(0);
    } finally {
      await rig.close();
    }
  });
});

describe("overLimit: auto and the retirement grace", () => {
  // Measured before: a key used 60 s before the rotation was deleted 0.5 s after it, with deactivateAfter 1h.
  it("never removes an Active previous key in its grace: the next rotation parks and completes once the retirement deactivated it", async () => {
    const rig = await createRig({
      account: { deactivateAfter: 3_600_000 },
      users: [{ uin: USER_UIN, keys: [{ vault: "current", lastUsedAt: Date.now() - 60_000 }] }],
    });
    try {
      const [old] = rig.seeded;
      const first = await rig.rotate();
      expect(first).toMatchObject({ kind: "rotated", previousKeyId: old!.accessKeyId });
      const second = await rig.rotate(); // forced: the user holds two keys, the old one in its grace
      expect(second).toMatchObject({ kind: "parked", flaggedKeyId: old!.accessKeyId, reason: GRACE_REASON });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await rig.keysOf()).find((key) => key.accessKeyId === old!.accessKeyId)?.status).toBe("Active");
      expect((await calls(rig, "DeleteAccessKey")).length + (await calls(rig, "UpdateAccessKey")).length).toBe(0);
      expect((await rig.engine.status()).parked).toEqual([
        expect.objectContaining({ uin: USER_UIN, flaggedKeyId: old!.accessKeyId }),
      ]);

      // The hour passes: the retire job runs now (parkRecheck is a minute, so only the retirement can wake it).
      const retire = await rig.queue.getJob(jobIds.retire(ACCOUNT, USER_UIN, old!.accessKeyId, "deactivate"));
      await retire!.promote();
      const outcome = await waitPastParking(rig, jobIds.rotate(ACCOUNT, USER_UIN), 15_000);
      expect(outcome).toMatchObject({ kind: "rotated", previousKeyId: first.kind === "rotated" ? first.newKeyId : "" });
      expect((await rig.keysOf()).map((key) => key.accessKeyId)).not.toContain(old!.accessKeyId);
      const events = await rig.engine.readEvents({ count: 500 });
      const deactivated = events.findIndex(
        (event) => event.type === "key-deactivated" && event.keyId === old!.accessKeyId
      );
      const removed = events.findIndex((event) => event.type === "key-removed" && event.keyId === old!.accessKeyId);
      expect(deactivated).toBeGreaterThanOrEqual(0);
      expect(removed).toBeGreaterThan(deactivated); // deleted only after its retirement deactivated it
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });
});

describe("a foreign key", () => {
  it("is flagged, the rotation parks, the key is untouched, and after approval the rotation completes", async () => {
    const flagged: FlaggedKey[] = [];
    const rig = await createRig({
      observer: { keyFlagged: (flag) => flagged.push(flag) },
      users: [{ uin: USER_UIN, keys: [{ vault: "current" }, { vault: "none" }] }],
    });
    try {
      const [current, foreign] = rig.seeded;
      const parked = await rig.rotate();
      expect(parked).toMatchObject({ kind: "parked", flaggedKeyId: foreign!.accessKeyId, reason: "foreign-key" });
      expect(flagged).toEqual([
        expect.objectContaining({
          account: ACCOUNT,
          uin: USER_UIN,
          accessKeyId: foreign!.accessKeyId,
          status: "pending",
        }),
      ]);
      expect(await rig.engine.listFlags()).toEqual([
        expect.objectContaining({
          accessKeyId: foreign!.accessKeyId,
          reason: "foreign-key",
          flaggedAt: expect.any(Number),
        }),
      ]);
      expect((await rig.engine.status()).parked).toEqual([
        expect.objectContaining({ uin: USER_UIN, flaggedKeyId: foreign!.accessKeyId }),
      ]);
      // Untouched: no call named it.
      expect((await rig.keysOf()).find((key) => key.accessKeyId === foreign!.accessKeyId)?.status).toBe("Active");
      expect(
        (await rig.requests()).filter((request) =>
          ["UpdateAccessKey", "DeleteAccessKey", "CreateAccessKey"].includes(request.action)
        )
      ).toEqual([]);
      // Enqueueing again while parked collapses onto the parked job.
      expect((await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true })).added).toBe(false);

      const approved = await rig.engine.approveRemoval(foreign!.accessKeyId);
      expect(approved.status).toBe("approved");
      const outcome = await rig.engine.waitForRotation(`rotate-${ACCOUNT}-${USER_UIN}`, undefined, 20_000);
      expect(outcome).toMatchObject({ kind: "rotated", previousKeyId: current!.accessKeyId });
      expect((await rig.keysOf()).map((key) => key.accessKeyId)).not.toContain(foreign!.accessKeyId);
      expect(await rig.engine.listFlags()).toEqual([]);
      const types = (await rig.engine.readEvents({ count: 500 })).map((event) => event.type);
      expect(types).toEqual(
        expect.arrayContaining(["key-flagged", "rotation-parked", "flag-approved", "key-removed", "rotation-completed"])
      );
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it("once dismissed stays unflagged; the parked rotation completes when the key is gone", async () => {
    const rig = await createRig({
      rotation: { parkRecheck: 500 },
      users: [{ uin: USER_UIN, keys: [{ vault: "current" }, { vault: "none" }] }],
    });
    try {
      const [, foreign] = rig.seeded;
      expect(await rig.rotate()).toMatchObject({ kind: "parked", flaggedKeyId: foreign!.accessKeyId });
      await rig.engine.dismissFlag(foreign!.accessKeyId);
      expect(await rig.engine.listFlags()).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 1_200)); // At least one re-check while the key is still there.
      expect(await rig.engine.listFlags()).toEqual([]);
      await eventually(
        async () => (await rig.engine.status()).parked.length === 1 || undefined,
        5_000,
        "the job to be parked again"
      );
      // An operator removes the key by hand; the next re-check finds room.
      await rig.cam.updateAccessKey(USER_UIN, foreign!.accessKeyId, "Inactive");
      await rig.cam.deleteAccessKey(USER_UIN, foreign!.accessKeyId);
      const outcome = await waitPastParking(rig, `rotate-${ACCOUNT}-${USER_UIN}`);
      expect(outcome.kind).toBe("rotated");
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it("that appears between our listing and CreateAccessKey (AccessKeyOverLimit from CAM) is flagged and parks the rotation", async () => {
    let planted: string | undefined;
    const rig: Rig = await createRig({
      rotation: { parkRecheck: 400 },
      wrapCam: (cam) => ({
        ...cam,
        account: cam.account,
        async createAccessKey(uin) {
          if (!planted) {
            const response = await fetch(`${rig.sim.url}/_sim/keys`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ ownerUin: OWNER_UIN, uin }),
            });
            planted = ((await response.json()) as { accessKeyId: string }).accessKeyId;
          }
          return cam.createAccessKey(uin);
        },
      }),
    });
    try {
      const outcome = await rig.rotate();
      expect(outcome).toMatchObject({ kind: "parked", flaggedKeyId: planted, reason: "foreign-key" });
      const creates = (await rig.requests()).filter((request) => request.action === "CreateAccessKey");
      expect(creates.map((request) => request.outcome)).toEqual(["OperationDenied.AccessKeyOverLimit"]);
      expect((await rig.keysOf()).find((key) => key.accessKeyId === planted)?.status).toBe("Active");
      // Re-checks do not take it for a key of ours whose answer was lost (no key came of our refused call).
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect((await rig.keysOf()).find((key) => key.accessKeyId === planted)?.status).toBe("Active");
      expect((await rig.engine.readEvents({ count: 500 })).filter((event) => event.type === "orphan-deleted")).toEqual(
        []
      );
      await rig.engine.approveRemoval(planted!);
      expect((await waitPastParking(rig, `rotate-${ACCOUNT}-${USER_UIN}`)).kind).toBe("rotated");
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });
});
