// The happy path end to end, and the retire job's two phases (deactivate, delete) and its hold when the old
// key is still in use. Real Redis, moto, the simulator through the official SDK.
import { afterAll, describe, expect, it } from "vitest";
import { createCamClient } from "../../src/cam/client.js";
import type { CallGate } from "../../src/cam/limiter/gate.js";
import { parseProgress } from "../../src/jobs/progress.js";
import { engineKeys } from "../../src/jobs/keys.js";
import { ACCOUNT, createRig, eventually, scanRigs, USER_UIN } from "../support/harness.js";

const openGate: CallGate = { admit: async () => undefined, penalize: async () => undefined };

afterAll(async () => {
  const report = await scanRigs();
  expect(report.keysRead).toBeGreaterThan(0);
  expect(report.hits).toEqual([]);
});

describe("rotate: happy path", () => {
  it("creates, stages, verifies and promotes a new key, keeps the old one as previous, and reports every step", async () => {
    const rig = await createRig();
    try {
      const oldKey = rig.seeded[0]!;
      const steps: string[] = [];
      const { jobId, added } = await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
      expect(added).toBe(true);
      expect(jobId).toBe(`rotate-${ACCOUNT}-${USER_UIN}`);
      const outcome = await rig.engine.waitForRotation(jobId, (step) => steps.push(step), 20_000);

      expect(outcome.kind).toBe("rotated");
      if (outcome.kind !== "rotated") return;
      expect(outcome.previousKeyId).toBe(oldKey.accessKeyId);
      expect(steps).toEqual(
        expect.arrayContaining([
          "inspect",
          "reconcile",
          "makeRoom",
          "create",
          "stage",
          "verify",
          "promote",
          "scheduleRetirement",
        ])
      );

      const vault = await rig.vault.describe(rig.ref());
      expect(vault.current?.accessKeyId).toBe(outcome.newKeyId);
      expect(vault.previous?.accessKeyId).toBe(oldKey.accessKeyId);
      expect(vault.pending).toBeUndefined();
      const keys = await rig.keysOf();
      expect(keys.map((key) => [key.accessKeyId, key.status]).sort()).toEqual(
        [
          [oldKey.accessKeyId, "Active"],
          [outcome.newKeyId, "Active"],
        ].sort()
      );
      expect(await rig.invariants()).toEqual([]);

      // The job is gone (so the user can be rotated again later), the progress record is closed.
      expect(await rig.queue.getJob(jobId)).toBeUndefined();
      const progress = parseProgress(await rig.redis.hgetall(engineKeys(rig.prefix).progress(ACCOUNT, USER_UIN)));
      expect(progress.attempt).toBeUndefined();
      expect(progress.last).toMatchObject({ newKeyId: outcome.newKeyId, previousKeyId: oldKey.accessKeyId });

      const types = (await rig.engine.readEvents({ count: 500 })).map((event) => event.type);
      for (const type of [
        "rotation-started",
        "key-created",
        "key-staged",
        "key-verified",
        "key-promoted",
        "retirement-scheduled",
        "rotation-completed",
      ]) {
        expect(types).toContain(type);
      }
      // A retire job waits for the old key.
      const retire = await rig.queue.getJob(`retire-${ACCOUNT}-${USER_UIN}-${oldKey.accessKeyId}-deactivate`);
      expect(await retire?.getState()).toBe("delayed");
    } finally {
      await rig.close();
    }
  });

  it("skips a user whose key is younger than maxKeyAgeDays unless forced, and rotates again later under the same job id", async () => {
    const rig = await createRig();
    try {
      const first = await rig.rotate(USER_UIN, { force: true });
      expect(first.kind).toBe("rotated");
      const skipped = await rig.rotate(USER_UIN, { force: false });
      expect(skipped).toMatchObject({ kind: "skipped", reason: expect.stringContaining("0 days old (max 30)") });
      expect(await rig.queue.getJob(`rotate-${ACCOUNT}-${USER_UIN}`)).toBeUndefined();
    } finally {
      await rig.close();
    }
  });
});

describe("retire", () => {
  it("deactivates the old key after deactivateAfter and deletes it after deleteAfter", async () => {
    const rig = await createRig({ account: { deactivateAfter: 300, deleteAfter: 300 } });
    try {
      const oldKey = rig.seeded[0]!;
      const outcome = await rig.rotate();
      expect(outcome.kind).toBe("rotated");
      await eventually(
        async () =>
          (await rig.keysOf()).find((key) => key.accessKeyId === oldKey.accessKeyId)?.status === "Inactive" ||
          undefined,
        10_000,
        "the old key to be deactivated"
      );
      await eventually(
        async () => ((await rig.keysOf()).some((key) => key.accessKeyId === oldKey.accessKeyId) ? undefined : true),
        10_000,
        "the old key to be deleted"
      );
      const keys = await rig.keysOf();
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ status: "Active" });
      const types = (await rig.engine.readEvents({ count: 500 }))
        .filter((event) => event.keyId === oldKey.accessKeyId)
        .map((event) => event.type);
      expect(types).toEqual(expect.arrayContaining(["key-deactivated", "key-deleted"]));
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it("holds the deactivation and raises an alert when the old key is used after it stopped being current", async () => {
    const held: string[] = [];
    const rig = await createRig({
      account: { deactivateAfter: 1_500, deleteAfter: 300 },
      observer: { retirementHeld: (key) => held.push(key.accessKeyId) },
    });
    try {
      const oldKey = rig.seeded[0]!;
      const outcome = await rig.rotate();
      expect(outcome.kind).toBe("rotated");
      // A consumer that never picked up the new key still signs with the old one.
      const straggler = createCamClient(
        {
          name: ACCOUNT,
          endpoint: rig.sim.url,
          credentials: { secretId: oldKey.accessKeyId, secretKey: oldKey.secretAccessKey },
        },
        { gate: openGate }
      );
      await straggler.getUserAppId();
      await eventually(async () => held.length > 0 || undefined, 10_000, "the retirement to be held");
      expect(held).toEqual([oldKey.accessKeyId]);
      expect((await rig.keysOf()).find((key) => key.accessKeyId === oldKey.accessKeyId)?.status).toBe("Active");
      const events = await rig.engine.readEvents({ count: 500 });
      expect(events.find((event) => event.type === "retire-held")).toMatchObject({ keyId: oldKey.accessKeyId });
      const retire = await rig.queue.getJob(`retire-${ACCOUNT}-${USER_UIN}-${oldKey.accessKeyId}-deactivate`);
      expect(await retire?.getState()).toBe("delayed");
    } finally {
      await rig.close();
    }
  });
});
