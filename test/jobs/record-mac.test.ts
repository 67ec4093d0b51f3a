// Redis is a trust boundary: whoever can write the prefix must not be able to make the rotator delete a key. A
// progress record or an approval that fails its MAC (CAM_ROTATOR_RECORD_KEY) is ignored and alerted on (log,
// metric hook, event), never acted on. The forgeries below are raw writes, as redis-cli would make them.
import { afterAll, describe, expect, it } from "vitest";
import { engineKeys } from "../../src/jobs/keys.js";
import { jobIds } from "../../src/jobs/queue.js";
import { createRecordSigner, loadRecordKey, RECORD_KEY_ENV } from "../../src/jobs/record-mac.js";
import { ACCOUNT, createRig, scanRigs, USER_UIN, type Rig } from "../support/harness.js";
import { TEST_RECORD_KEY } from "../support/rig-constants.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

const writes = async (rig: Rig) =>
  (await rig.requests()).filter((request) => ["UpdateAccessKey", "DeleteAccessKey"].includes(request.action));

/** A user holding the current key and a key the vault does not know (the forger's target). */
async function rigWithForeignKey(rejected: string[]): Promise<Rig> {
  return createRig({
    observer: { recordRejected: (kind) => rejected.push(kind) },
    users: [{ uin: USER_UIN, keys: [{ vault: "current" }, { vault: "none" }] }],
  });
}

describe("a forged progress record", () => {
  it("naming a key the vault does not hold as this attempt's new key does not get it deleted, and raises the alert", async () => {
    const rejected: string[] = [];
    const rig = await rigWithForeignKey(rejected);
    try {
      const [, target] = rig.seeded;
      // HSET as redis-cli would: an attempt in flight whose "new key" is the target (no MAC, or a made-up one).
      await rig.redis.hset(engineKeys(rig.prefix).progress(ACCOUNT, USER_UIN), {
        attemptId: "forged",
        attemptStart: String(Date.now()),
        newKeyId: target!.accessKeyId,
        step: "create",
        mac: Buffer.alloc(32).toString("base64"),
      });
      const outcome = await rig.rotate();
      expect(outcome).toMatchObject({ kind: "parked", flaggedKeyId: target!.accessKeyId, reason: "foreign-key" });
      expect((await rig.keysOf()).find((key) => key.accessKeyId === target!.accessKeyId)?.status).toBe("Active");
      expect(await writes(rig)).toEqual([]);
      const events = await rig.engine.readEvents({ count: 500 });
      expect(events.filter((event) => event.type === "orphan-deleted")).toEqual([]);
      expect(events).toContainEqual(
        expect.objectContaining({
          type: "record-rejected",
          account: ACCOUNT,
          uin: USER_UIN,
          detail: expect.stringContaining("MAC does not match"),
        })
      );
      expect(rejected).toContain("progress");
      expect(rig.logs.join("")).toContain("ignored a Redis record that fails its MAC");
    } finally {
      await rig.close();
    }
  });

  it("a genuine record is signed over every field, so an edited field fails too", async () => {
    const rig = await createRig();
    try {
      expect((await rig.rotate()).kind).toBe("rotated");
      const key = engineKeys(rig.prefix).progress(ACCOUNT, USER_UIN);
      const stored = await rig.redis.hgetall(key);
      expect(stored.mac).toEqual(expect.any(String));
      const { mac, ...fields } = stored;
      const signer = createRecordSigner(TEST_RECORD_KEY);
      expect(signer.verify(key, fields, mac)).toBe(true);
      expect(signer.verify(key, { ...fields, lastNewKeyId: "AKIDother" }, mac)).toBe(false);
      expect(signer.verify(key, { ...fields, addedByAnotherHelper: "x" }, mac)).toBe(false);
      expect(signer.verify(engineKeys(rig.prefix).progress(ACCOUNT, USER_UIN + 1), fields, mac)).toBe(false); // not movable
    } finally {
      await rig.close();
    }
  });
});

describe("a forged approval", () => {
  it("is ignored: the flagged key stays, the rotation stays parked, and the alert is raised", async () => {
    const rejected: string[] = [];
    const rig = await rigWithForeignKey(rejected);
    try {
      const [, foreign] = rig.seeded;
      expect(await rig.rotate()).toMatchObject({ kind: "parked", flaggedKeyId: foreign!.accessKeyId });
      // Flip the stored flag to approved, keeping its MAC, as someone with only Redis access would; then wake the job.
      const flags = engineKeys(rig.prefix).flags;
      const stored = JSON.parse((await rig.redis.hget(flags, foreign!.accessKeyId))!) as Record<string, unknown>;
      expect(stored.mac).toEqual(expect.any(String));
      await rig.redis.hset(flags, foreign!.accessKeyId, JSON.stringify({ ...stored, status: "approved" }));
      await (await rig.queue.getJob(jobIds.rotate(ACCOUNT, USER_UIN)))!.promote();
      const events = () => rig.engine.readEvents({ count: 500 });
      const deadline = Date.now() + 10_000;
      while (!(await events()).some((event) => event.type === "record-rejected") && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await events()).toContainEqual(
        expect.objectContaining({ type: "record-rejected", keyId: foreign!.accessKeyId })
      );
      expect(rejected).toContain("flag");
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await rig.keysOf()).find((key) => key.accessKeyId === foreign!.accessKeyId)?.status).toBe("Active");
      expect(await writes(rig)).toEqual([]);
      expect((await rig.engine.status()).parked).toEqual([
        expect.objectContaining({ flaggedKeyId: foreign!.accessKeyId }),
      ]);
      // Not an approval either for the operator's list: the genuine flag is raised again, pending.
      expect((await rig.engine.listFlags()).filter((flag) => flag.status === "approved")).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it("a genuine approval still removes the key", async () => {
    const rig = await rigWithForeignKey([]);
    try {
      const [, foreign] = rig.seeded;
      expect(await rig.rotate()).toMatchObject({ kind: "parked" });
      await rig.engine.approveRemoval(foreign!.accessKeyId);
      const deadline = Date.now() + 15_000;
      while ((await rig.keysOf()).some((key) => key.accessKeyId === foreign!.accessKeyId) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect((await rig.keysOf()).map((key) => key.accessKeyId)).not.toContain(foreign!.accessKeyId);
    } finally {
      await rig.close();
    }
  });
});

describe(RECORD_KEY_ENV, () => {
  it("must be base64 of at least 32 bytes; the error names the variable, never the value", () => {
    const short = Buffer.alloc(16, 1).toString("base64");
    expect(() => loadRecordKey({ [RECORD_KEY_ENV]: short })).toThrow(RECORD_KEY_ENV);
    try {
      loadRecordKey({ [RECORD_KEY_ENV]: short });
    } catch (error) {
      expect((error as Error).message).not.toContain(short);
    }
    expect(loadRecordKey({})).toBeNull();
    expect(loadRecordKey({ [RECORD_KEY_ENV]: Buffer.alloc(32, 2).toString("base64") })).toHaveLength(32);
  });
});
