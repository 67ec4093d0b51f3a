// Item 8 of issue 15: a run whose BullMQ job lock is gone or taken (it could not renew it in time, and another
// worker took the job) makes no further CAM or vault write and stops, recording nothing: the lock is taken away
// in the real Redis mid-run, the way a second worker's claim would replace it.
import { afterAll, describe, expect, it } from "vitest";
import type { CamApi } from "../../src/cam/types.js";
import { engineKeys } from "../../src/jobs/keys.js";
import { jobIds, QUEUE_NAME } from "../../src/jobs/queue.js";
import { ACCOUNT, createRig, eventually, scanRigs, USER_UIN, type Rig } from "../support/harness.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

const jobId = jobIds.rotate(ACCOUNT, USER_UIN);
const WRITES = ["CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey"];

/** A rig whose CAM client lets `stealAfter` run once, then replaces the job's lock as another worker's claim would. */
async function rigStealingLockAfter(
  stealAfter: "listAccessKeys" | "createAccessKey"
): Promise<{ rig: Rig; lost: string[] }> {
  const lost: string[] = [];
  let stolen = false;
  let rig: Rig | undefined;
  const steal = async () => {
    if (stolen) return;
    stolen = true;
    await rig!.redis.set(`${rig!.prefix}:${QUEUE_NAME}:${jobId}:lock`, "another-workers-token");
  };
  rig = await createRig({
    observer: { jobLockLost: (account, jobName) => lost.push(`${account}/${jobName}`) },
    wrapCam: (cam): CamApi => ({
      ...cam,
      account: cam.account,
      async listAccessKeys(uin) {
        const keys = await cam.listAccessKeys(uin);
        if (stealAfter === "listAccessKeys") await steal();
        return keys;
      },
      async createAccessKey(uin) {
        const made = await cam.createAccessKey(uin);
        if (stealAfter === "createAccessKey") await steal();
        return made;
      },
    }),
  });
  return { rig, lost };
}

async function expectStoppedWithoutRecord(rig: Rig, lost: string[]): Promise<void> {
  await eventually(async () => lost.length > 0 || undefined, 10_000, "the run to notice its lost lock");
  expect(lost).toEqual([`${ACCOUNT}/rotate`]);
  await new Promise((resolve) => setTimeout(resolve, 500)); // Room for any write that would wrongly follow.
  // Nothing recorded as if the run were still the owner: no outcome, no failed attempt; BullMQ kept the job active
  // for the lock's holder (this run's completion was refused).
  expect(await rig.redis.exists(engineKeys(rig.prefix).outcome(jobId))).toBe(0);
  const types = (await rig.engine.readEvents({ count: 500 })).map((event) => event.type);
  expect(types).not.toContain("attempt-failed");
  expect(types).not.toContain("rotation-failed");
  expect(await (await rig.queue.getJob(jobId))?.getState()).toBe("active");
  expect(rig.logs.join("")).toMatch(/job lock lost: stopping before the write/);
}

describe("a run that lost its job lock", () => {
  it("before CreateAccessKey: makes no CAM write and leaves the vault alone", async () => {
    const { rig, lost } = await rigStealingLockAfter("listAccessKeys");
    try {
      const before = await rig.vault.describe(rig.ref());
      await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
      await expectStoppedWithoutRecord(rig, lost);
      expect((await rig.requests()).filter((request) => WRITES.includes(request.action))).toEqual([]);
      expect(await rig.vault.describe(rig.ref())).toEqual(before);
    } finally {
      await rig.close();
    }
  });

  it("after CreateAccessKey: does not stage, delete or deactivate; the new key is left for the owner's run", async () => {
    const { rig, lost } = await rigStealingLockAfter("createAccessKey");
    try {
      const before = await rig.vault.describe(rig.ref());
      await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
      await expectStoppedWithoutRecord(rig, lost);
      const writes = (await rig.requests())
        .filter((request) => WRITES.includes(request.action))
        .map((request) => request.action);
      expect(writes).toEqual(["CreateAccessKey"]);
      expect(await rig.vault.describe(rig.ref())).toEqual(before); // No PutSecretValue: nothing pending.
      expect(await rig.keysOf()).toHaveLength(2);
    } finally {
      await rig.close();
    }
  });
});
