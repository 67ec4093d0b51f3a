// Issue 11, section 4, through the engine: CAM reports a key's use late (the simulator's lastUsedLagSec), and
// retirement never deletes a key whose use after retirement it could not see yet (retire.lastUsedLag). Also
// section 2 where the engine meets it: `users: all` with an odd ListUsers row. Real Redis, moto, the simulator.
import { afterAll, describe, expect, it } from "vitest";
import { createCamClient } from "../../src/cam/client.js";
import type { CallGate } from "../../src/cam/limiter/gate.js";
import { ACCOUNT, createRig, eventually, scanRigs, USER_UIN, type Rig } from "../support/harness.js";

const openGate: CallGate = { admit: async () => undefined, penalize: async () => undefined };
const LAG_SEC = 2;

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

const eventsOf = async (rig: Rig, keyId: string) =>
  (await rig.engine.readEvents({ count: 500 })).filter((event) => event.keyId === keyId);

/** A consumer that never picked up the new key: it signs one call with the old one. */
async function straggle(rig: Rig): Promise<void> {
  const oldKey = rig.seeded[0]!;
  await createCamClient(
    {
      name: ACCOUNT,
      endpoint: rig.sim.url,
      credentials: { secretId: oldKey.accessKeyId, secretKey: oldKey.secretAccessKey },
    },
    { gate: openGate }
  ).getUserAppId();
}

describe("retirement under CAM's last-use lag", () => {
  it.each([0, LAG_SEC])(
    "a use CAM reports %i s late, made right after rotation, holds the old key (never deleted)",
    async (simLag) => {
      const held: string[] = [];
      const rig = await createRig({
        account: { deactivateAfter: 300, deleteAfter: 300, lastUsedLag: LAG_SEC * 1000 },
        observer: { retirementHeld: (key) => held.push(key.accessKeyId) },
      });
      try {
        rig.sim.simulator.setAnswers({ lastUsedLagSec: simLag });
        const oldKey = rig.seeded[0]!;
        expect((await rig.rotate()).kind).toBe("rotated");
        await straggle(rig);
        await eventually(async () => held.length > 0 || undefined, 15_000, "the retirement to be held");
        expect(held[0]).toBe(oldKey.accessKeyId);
        expect((await rig.keysOf()).find((key) => key.accessKeyId === oldKey.accessKeyId)).toBeDefined();
        const types = (await eventsOf(rig, oldKey.accessKeyId)).map((event) => event.type);
        expect(types).not.toContain("key-deleted");
        expect(types).toContain("retire-waiting");
      } finally {
        await rig.close();
      }
    }
  );

  it("a use the deactivation could not see yet still stops the deletion: the key stays Inactive", async () => {
    const held: string[] = [];
    const rig = await createRig({
      account: { deactivateAfter: 250, deleteAfter: 250, lastUsedLag: LAG_SEC * 1000 },
      observer: { retirementHeld: (key) => held.push(key.accessKeyId) },
    });
    try {
      rig.sim.simulator.setAnswers({ lastUsedLagSec: LAG_SEC });
      const oldKey = rig.seeded[0]!;
      expect((await rig.rotate()).kind).toBe("rotated");
      // The deactivation waits until the report reaches the retirement; a use in between is after it.
      await eventually(
        async () =>
          (await eventsOf(rig, oldKey.accessKeyId)).some((event) => event.type === "retire-waiting") || undefined,
        5_000,
        "the deactivation to wait for the lag"
      );
      await straggle(rig);
      await eventually(
        async () =>
          (await rig.keysOf()).find((key) => key.accessKeyId === oldKey.accessKeyId)?.status === "Inactive" ||
          undefined,
        10_000,
        "the old key to be deactivated (its use was not reported yet)"
      );
      await eventually(async () => held.length > 0 || undefined, 15_000, "the deletion to be held");
      expect((await rig.keysOf()).find((key) => key.accessKeyId === oldKey.accessKeyId)).toMatchObject({
        status: "Inactive",
      });
      const types = (await eventsOf(rig, oldKey.accessKeyId)).map((event) => event.type);
      expect(types).toEqual(expect.arrayContaining(["key-deactivated", "retire-held"]));
      expect(types).not.toContain("key-deleted");
    } finally {
      await rig.close();
    }
  });

  it.each([0, LAG_SEC])(
    "an unused old key is still deactivated and deleted once the report (%i s late) covers it",
    async (simLag) => {
      const rig = await createRig({ account: { deactivateAfter: 250, deleteAfter: 250, lastUsedLag: simLag * 1000 } });
      try {
        rig.sim.simulator.setAnswers({ lastUsedLagSec: simLag });
        const oldKey = rig.seeded[0]!;
        expect((await rig.rotate()).kind).toBe("rotated");
        await eventually(
          async () => ((await rig.keysOf()).some((key) => key.accessKeyId === oldKey.accessKeyId) ? undefined : true),
          20_000,
          "the old key to be deleted"
        );
        const types = (await eventsOf(rig, oldKey.accessKeyId)).map((event) => event.type);
        expect(types).toEqual(expect.arrayContaining(["key-deactivated", "key-deleted"]));
        expect(types.includes("retire-waiting")).toBe(simLag > 0);
        expect(await rig.invariants()).toEqual([]);
      } finally {
        await rig.close();
      }
    }
  );
});

describe("users: all with an odd ListUsers row", () => {
  it.each([false, true])("odd rows %s: the sweep plans the real users and a rotation completes", async (odd) => {
    const rig = await createRig({ account: { users: "all" }, users: [{ uin: USER_UIN, keys: [{}] }] });
    try {
      if (odd) rig.sim.simulator.setAnswers({ extraUserRows: [{ Uin: 0, Name: "ghost", Uid: 0 }, { Name: "no-uin" }] });
      expect((await rig.engine.planSweep(ACCOUNT)).map((entry) => entry.uin)).toEqual([USER_UIN]);
      expect((await rig.rotate()).kind).toBe("rotated");
    } finally {
      await rig.close();
    }
  });
});
