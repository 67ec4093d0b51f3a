// enqueueRotations (a sweep's addBulk path) keeps enqueueRotation's promise: one rotate job per user; a job that
// exists is met, not doubled; a job that failed for good is retried in place with fresh attempts.
import { Worker } from "bullmq";
import { describe, expect, it } from "vitest";
import { ACCOUNT, createRig, USER_UIN } from "../support/harness.js";

describe("bulk enqueue", () => {
  it("adds each user's job once, meets existing jobs, and retries a failed one in place", async () => {
    const uins = [USER_UIN, USER_UIN + 1, USER_UIN + 2];
    const rig = await createRig({ worker: false, users: uins.map((uin) => ({ uin, keys: [{}] })) });
    try {
      const single = await rig.engine.enqueueRotation({ account: ACCOUNT, uin: uins[0]!, reason: "manual" });
      expect(single.added).toBe(true);
      const first = await rig.engine.enqueueRotations({ account: ACCOUNT, uins, reason: "schedule" });
      expect(first.map(({ uin, added }) => [uin, added])).toEqual([
        [uins[0], false],
        [uins[1], true],
        [uins[2], true],
      ]);
      expect(first.map((result) => result.jobId)).toEqual(uins.map((uin) => `rotate-${ACCOUNT}-${uin}`));
      expect(await rig.queue.getJobCounts("waiting")).toEqual({ waiting: 3 });

      const again = await rig.engine.enqueueRotations({ account: ACCOUNT, uins, reason: "schedule" });
      expect(again.map((result) => result.added)).toEqual([false, false, false]);
      expect(await rig.queue.getJobCounts("waiting")).toEqual({ waiting: 3 });

      // Fail the second user's job for good, the way a worker does: take it, then fail it past its attempts.
      await rig.queue.drain();
      const job = await rig.queue.add(
        "rotate",
        { account: ACCOUNT, uin: uins[1], reason: "schedule", force: false, requestedAt: 0 },
        { jobId: `rotate-${ACCOUNT}-${uins[1]}`, attempts: 1 }
      );
      const worker = new Worker(rig.queue.name, null, { connection: rig.redis, prefix: rig.prefix, autorun: false });
      const taken = await worker.getNextJob("test-token");
      expect(taken.id).toBe(job.id);
      await taken.moveToFailed(new Error("failed for good"), "test-token", false);
      await worker.close();
      expect(await job.isFailed()).toBe(true);
      const retried = await rig.engine.enqueueRotations({ account: ACCOUNT, uins: [uins[1]!], reason: "schedule" });
      expect(retried).toEqual([{ uin: uins[1], jobId: job.id, added: true }]);
      expect(await (await rig.queue.getJob(job.id!))!.getState()).toBe("waiting");

      await expect(rig.engine.enqueueRotations({ account: "elsewhere", uins, reason: "schedule" })).rejects.toThrow(
        /account "elsewhere"/
      );
    } finally {
      await rig.close();
    }
  });
});
