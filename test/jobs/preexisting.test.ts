// Onboarding (issue 12 part 1): users who already hold a key when the rotator first rotates them. The first
// rotation makes its own key current and records the old one as pre-existing. Under preexistingKeys: retire the
// old key is retired like the rotator's own previous key: unused, deactivated then deleted; used, held and
// alerted, reported by `legacy` and the gauge. Under flag it is flagged as foreign at the two-key limit (the
// old behaviour). A key that appears after the takeover stays foreign (P3).
import { afterAll, describe, expect, it } from "vitest";
import { createCamClient } from "../../src/cam/client.js";
import type { CallGate } from "../../src/cam/limiter/gate.js";
import { createMetrics } from "../../src/daemon/metrics.js";
import { engineKeys } from "../../src/jobs/keys.js";
import { findLegacyKeys, legacySources } from "../../src/jobs/legacy.js";
import { parseProgress } from "../../src/jobs/progress.js";
import { jobIds } from "../../src/jobs/queue.js";
import { GRACE_REASON } from "../../src/jobs/rotate/make-room.js";
import { TEST_RECORD_KEY } from "../support/rig-constants.js";
import { ACCOUNT, createRig, eventually, OWNER_UIN, scanRigs, USER_UIN, type Rig } from "../support/harness.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

const openGate: CallGate = { admit: async () => undefined, penalize: async () => undefined };
const progressOf = async (rig: Rig) =>
  parseProgress(await rig.redis.hgetall(engineKeys(rig.prefix).progress(ACCOUNT, USER_UIN)));
const statusOf = async (rig: Rig, keyId: string) =>
  (await rig.keysOf()).find((key) => key.accessKeyId === keyId)?.status;
const eventTypes = async (rig: Rig, keyId?: string) =>
  (await rig.engine.readEvents({ count: 500 }))
    .filter((event) => keyId === undefined || event.keyId === keyId)
    .map((event) => event.type);
const legacyOf = (rig: Rig) =>
  findLegacyKeys(
    legacySources(rig.redis, rig.prefix, TEST_RECORD_KEY, () => rig.cam),
    [ACCOUNT]
  );
const onboarding = [{ uin: USER_UIN, keys: [{ vault: "none" as const }] }];

describe("preexistingKeys: retire (the default)", () => {
  it("records the old key at the first rotation, deactivates and deletes it unused, and the second rotation neither flags nor parks", async () => {
    const rig = await createRig({ account: { deactivateAfter: 300, deleteAfter: 300 }, users: onboarding });
    try {
      const old = rig.seeded[0]!;
      const first = await rig.rotate();
      expect(first).toMatchObject({ kind: "rotated", previousKeyId: null });
      const newKeyId = first.kind === "rotated" ? first.newKeyId : "";
      expect((await rig.vault.describe(rig.ref())).current?.accessKeyId).toBe(newKeyId);
      expect((await progressOf(rig)).preexisting).toEqual({ keyIds: [old.accessKeyId], since: expect.any(Number) });
      expect(await eventTypes(rig, old.accessKeyId)).toEqual(
        expect.arrayContaining(["preexisting-key-recorded", "retirement-scheduled"])
      );

      await eventually(
        async () => (await statusOf(rig, old.accessKeyId)) === "Inactive" || undefined,
        10_000,
        "the old key to be deactivated"
      );
      await eventually(
        async () => (await statusOf(rig, old.accessKeyId)) === undefined || undefined,
        10_000,
        "the old key to be deleted"
      );
      expect(await eventTypes(rig, old.accessKeyId)).toEqual(
        expect.arrayContaining(["key-deactivated", "key-deleted"])
      );
      expect(await legacyOf(rig)).toEqual([]);

      const second = await rig.rotate();
      expect(second).toMatchObject({ kind: "rotated", previousKeyId: newKeyId });
      expect(await rig.engine.listFlags()).toEqual([]);
      expect(await eventTypes(rig)).not.toContain("rotation-parked");
      expect(await eventTypes(rig)).not.toContain("key-flagged");
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it("holds a used old key, alerts, reports it in legacy and the gauge, and the next rotation waits for it unflagged", async () => {
    const held: string[] = [];
    const rig = await createRig({
      account: { deactivateAfter: 1_500, deleteAfter: 300 },
      users: onboarding,
      observer: { retirementHeld: (key) => held.push(key.accessKeyId) },
    });
    try {
      const old = rig.seeded[0]!;
      expect(await rig.rotate()).toMatchObject({ kind: "rotated", previousKeyId: null });
      // An application that never moved to the vault still signs with the key it was handed long ago.
      const straggler = createCamClient(
        {
          name: ACCOUNT,
          endpoint: rig.sim.url,
          credentials: { secretId: old.accessKeyId, secretKey: old.secretAccessKey },
        },
        { gate: openGate }
      );
      await straggler.getUserAppId();
      await eventually(async () => held.length > 0 || undefined, 10_000, "the retirement to be held");
      expect(held).toEqual([old.accessKeyId]);
      expect(await statusOf(rig, old.accessKeyId)).toBe("Active");
      expect(await eventTypes(rig, old.accessKeyId)).toContain("retire-held");

      const legacy = await legacyOf(rig);
      expect(legacy).toEqual([
        {
          account: ACCOUNT,
          uin: USER_UIN,
          accessKeyId: old.accessKeyId,
          status: "Active",
          since: expect.any(Number),
          lastUsedAt: expect.any(Number),
          lastUsedDay: expect.any(Number),
        },
      ]);
      expect(legacy[0]!.lastUsedAt!).toBeGreaterThan(legacy[0]!.since);

      const metrics = createMetrics(
        {
          queueCounts: async () => ({}),
          flags: async () => [],
          oldestKeyAgeSeconds: async () => ({}),
          preexistingKeysInUse: async () => ({ [ACCOUNT]: (await legacyOf(rig)).length }),
        },
        { defaultMetrics: false }
      );
      expect(await metrics.registry.getSingleMetricAsString("cam_rotator_preexisting_keys_in_use")).toContain(
        `cam_rotator_preexisting_keys_in_use{account="${ACCOUNT}"} 1`
      );

      const second = await rig.rotate();
      expect(second).toMatchObject({ kind: "parked", flaggedKeyId: old.accessKeyId, reason: GRACE_REASON });
      expect(await rig.engine.listFlags()).toEqual([]);
      expect(await statusOf(rig, old.accessKeyId)).toBe("Active");
    } finally {
      await rig.close();
    }
  });

  it("never takes a key added after the takeover for a pre-existing one: it is flagged and never removed unapproved", async () => {
    const rig = await createRig({ account: { deactivateAfter: 300, deleteAfter: 300 }, users: onboarding });
    try {
      const old = rig.seeded[0]!;
      expect((await rig.rotate()).kind).toBe("rotated");
      await eventually(
        async () => (await statusOf(rig, old.accessKeyId)) === undefined || undefined,
        10_000,
        "the old key to be deleted"
      );
      const response = await fetch(`${rig.sim.url}/_sim/keys`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ownerUin: OWNER_UIN, uin: USER_UIN }),
      });
      const added = ((await response.json()) as { accessKeyId: string }).accessKeyId;
      expect(await rig.rotate()).toMatchObject({ kind: "parked", flaggedKeyId: added, reason: "foreign-key" });
      expect(await statusOf(rig, added)).toBe("Active");
      expect(await rig.queue.getJob(jobIds.retire(ACCOUNT, USER_UIN, added, "deactivate"))).toBeUndefined();
    } finally {
      await rig.close();
    }
  });
});

describe("preexistingKeys: flag", () => {
  it("records the old key but leaves it alone: the second rotation flags it as foreign and parks (the old behaviour)", async () => {
    const rig = await createRig({
      account: { preexistingKeys: "flag", deactivateAfter: 300, deleteAfter: 300 },
      users: onboarding,
    });
    try {
      const old = rig.seeded[0]!;
      expect(await rig.rotate()).toMatchObject({ kind: "rotated", previousKeyId: null });
      expect((await progressOf(rig)).preexisting?.keyIds).toEqual([old.accessKeyId]);
      expect(await rig.queue.getJob(jobIds.retire(ACCOUNT, USER_UIN, old.accessKeyId, "deactivate"))).toBeUndefined();
      expect(await rig.rotate()).toMatchObject({
        kind: "parked",
        flaggedKeyId: old.accessKeyId,
        reason: "foreign-key",
      });
      expect(await statusOf(rig, old.accessKeyId)).toBe("Active");
    } finally {
      await rig.close();
    }
  });
});
