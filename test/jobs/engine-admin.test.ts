// The engine's admin surface: sweep planning and enqueueing, status, pause and resume, retrying failed jobs,
// events (read and follow), and the vault view.
import { afterAll, describe, expect, it } from "vitest";
import type { RotationEvent } from "../../src/jobs/engine/face.js";
import { checkInvariants } from "../support/invariants.js";
import { ACCOUNT, createRig, eventually, OWNER_UIN, ROTATOR_UIN, scanRigs, USER_UIN } from "../support/harness.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

const OLD = USER_UIN;
const NO_SECRET = USER_UIN + 1;
const FRESH = USER_UIN + 2;

describe("sweep", () => {
  it("plans who is due and why, enqueues a sweep once per slot, and the sweep rotates exactly the due users", async () => {
    const rig = await createRig({
      users: [
        { uin: OLD, keys: [{}] },
        { uin: NO_SECRET, keys: [{ vault: "none" }] },
        { uin: FRESH, keys: [{}] },
      ],
    });
    try {
      expect((await rig.rotate(FRESH)).kind).toBe("rotated");
      const plan = await rig.engine.planSweep(ACCOUNT);
      const byUin = new Map(plan.map((entry) => [entry.uin, entry]));
      expect(byUin.get(OLD)).toMatchObject({
        due: true,
        currentKeyId: rig.seeded[0]!.accessKeyId,
        reason: expect.stringMatching(/^current key \d+ days old \(max 30\)$/),
      });
      expect(byUin.get(OLD)!.currentKeyAgeDays).toBeGreaterThan(300);
      expect(byUin.get(NO_SECRET)).toMatchObject({
        due: true,
        reason: "no key in vault",
        currentKeyId: null,
        currentKeyAgeDays: null,
      });
      expect(byUin.get(FRESH)).toMatchObject({ due: false, currentKeyAgeDays: 0 });
      // Planning enqueues nothing (the one delayed job is FRESH's retirement).
      expect(await rig.queue.getJobCounts("waiting", "delayed", "active")).toEqual({
        waiting: 0,
        delayed: 1,
        active: 0,
      });

      const first = await rig.engine.enqueueSweep(ACCOUNT, 1_700_000_000_000);
      const second = await rig.engine.enqueueSweep(ACCOUNT, 1_700_000_000_000);
      expect(first).toEqual({ jobId: `sweep-${ACCOUNT}-1700000000000`, added: true });
      expect(second.added).toBe(false);
      await eventually(
        async () => {
          const events = await rig.engine.readEvents({ count: 1000 });
          const completed = new Set(
            events.filter((event) => event.type === "rotation-completed").map((event) => event.uin)
          );
          return completed.has(OLD) && completed.has(NO_SECRET) ? true : undefined;
        },
        20_000,
        "the sweep's rotations"
      );
      const sweepDone = (await rig.engine.readEvents({ count: 1000 })).find((event) => event.type === "sweep-done");
      expect(sweepDone?.detail).toBe("3 users, 2 due, 2 enqueued");
      const creates = (await rig.requests()).filter((request) => request.action === "CreateAccessKey");
      expect(creates.map((request) => request.targetUin).sort()).toEqual([OLD, NO_SECRET, FRESH].sort());
      // The first rotation of a user whose key the vault never held leaves that key alone (it is not ours).
      expect((await rig.keysOf(NO_SECRET)).map((key) => key.accessKeyId)).toContain(rig.seeded[1]!.accessKeyId);
      expect(
        await checkInvariants({
          simulatorUrl: rig.sim.url,
          vault: rig.vault,
          createdKeyIds: rig.createdKeyIds,
          accounts: [{ account: ACCOUNT, ownerUin: OWNER_UIN, uins: [OLD, NO_SECRET, FRESH] }],
        })
      ).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it("with users: all, sweeps the sub-users ListUsers returns except the rotator's own identity and the owner", async () => {
    const rig = await createRig({
      worker: false,
      account: { users: "all" },
      users: [
        { uin: OLD, keys: [{}] },
        { uin: FRESH, keys: [] },
      ],
    });
    try {
      const plan = await rig.engine.planSweep(ACCOUNT);
      expect(plan.map((entry) => entry.uin).sort()).toEqual([OLD, FRESH].sort());
      expect(plan.map((entry) => entry.uin)).not.toContain(ROTATOR_UIN);
      expect(plan.map((entry) => entry.uin)).not.toContain(OWNER_UIN);
    } finally {
      await rig.close();
    }
  });

  it("refuses an unknown account by name", async () => {
    const rig = await createRig({ worker: false });
    try {
      await expect(rig.engine.planSweep("elsewhere")).rejects.toThrow(
        /account "elsewhere" is not in the configuration \(configured: "main"\)/
      );
      await expect(rig.engine.enqueueSweep("elsewhere", 1)).rejects.toThrow(/account "elsewhere"/);
    } finally {
      await rig.close();
    }
  });
});

describe("queue control", () => {
  it("pause holds new rotations, resume lets them run, and status shows both", async () => {
    const rig = await createRig();
    try {
      await rig.engine.pause();
      const { jobId } = await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const paused = await rig.engine.status();
      expect(paused.paused).toBe(true);
      expect(paused.counts.paused).toBe(1);
      expect((await rig.requests()).filter((request) => request.action === "CreateAccessKey")).toHaveLength(0);
      await rig.engine.resume();
      expect((await rig.engine.waitForRotation(jobId, undefined, 20_000)).kind).toBe("rotated");
      expect((await rig.engine.status()).paused).toBe(false);
    } finally {
      await rig.close();
    }
  });

  it("retryFailed runs failed jobs again with fresh attempts", async () => {
    const missing = 100000000099;
    const rig = await createRig({ account: { users: [USER_UIN, missing] } });
    try {
      expect((await rig.rotate(missing)).kind).toBe("failed");
      const status = await rig.engine.status();
      expect(status.failed).toEqual([
        expect.objectContaining({
          jobId: `rotate-${ACCOUNT}-${missing}`,
          name: "rotate",
          uin: missing,
          reason: expect.stringContaining("InvalidParameter.UserNotExist"),
          failedAt: expect.any(Number),
        }),
      ]);
      expect(await rig.engine.retryFailed()).toBe(1);
      await eventually(
        async () =>
          (await rig.requests()).filter((request) => request.action === "ListAccessKeys").length === 2 || undefined,
        10_000,
        "the retried job to run"
      );
    } finally {
      await rig.close();
    }
  });
});

describe("events and the vault view", () => {
  it("followEvents yields each transition as it happens, and vaultView names keys without secrets", async () => {
    const rig = await createRig();
    try {
      const abort = new AbortController();
      const seen: RotationEvent[] = [];
      const following = (async () => {
        for await (const event of rig.engine.followEvents(abort.signal)) {
          seen.push(event);
          if (event.type === "rotation-completed") abort.abort();
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const outcome = await rig.rotate();
      await following;
      expect(seen.map((event) => event.type)).toEqual(
        expect.arrayContaining(["rotation-started", "key-created", "key-promoted", "rotation-completed"])
      );
      expect(seen.every((event) => event.account === ACCOUNT && event.uin === USER_UIN)).toBe(true);
      const latest = await rig.engine.readEvents({ count: 3 });
      expect(latest).toHaveLength(3);
      expect(await rig.engine.readEvents({ after: latest[2]!.id })).toEqual([]);
      expect(await rig.engine.readEvents({ after: latest[0]!.id })).toEqual(latest.slice(1));

      const view = await rig.engine.vaultView(ACCOUNT, USER_UIN);
      expect(view).toMatchObject({
        exists: true,
        current: { accessKeyId: outcome.kind === "rotated" ? outcome.newKeyId : "" },
      });
      expect(JSON.stringify(view)).not.toMatch(/SecretKey/);
    } finally {
      await rig.close();
    }
  });
});

describe("the face's views of the queue", () => {
  it("counts jobs per state and connected workers, and tells whether a slot's sweep exists, without handing out the queue", async () => {
    const rig = await createRig({ worker: false });
    try {
      // @ts-expect-error The face exposes no BullMQ type: there is no queue to take.
      expect(rig.engine.queue).toBeUndefined();
      expect(await rig.engine.workerCount()).toBe(0);
      expect(await rig.engine.sweepExists(ACCOUNT, 1_700_000_000_000)).toBe(false);
      await rig.engine.enqueueSweep(ACCOUNT, 1_700_000_000_000);
      await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
      expect(await rig.engine.sweepExists(ACCOUNT, 1_700_000_000_000)).toBe(true);
      expect(await rig.engine.sweepExists(ACCOUNT, 1_700_000_001_000)).toBe(false);
      expect(await rig.engine.queueCounts()).toMatchObject({
        waiting: 2,
        active: 0,
        delayed: 0,
        completed: 0,
        failed: 0,
      });
      const worker = rig.engine.startWorker({ concurrency: 1 });
      try {
        await eventually(
          async () => ((await rig.engine.workerCount()) === 1 ? true : undefined),
          5_000,
          "one worker connected"
        );
      } finally {
        await worker.close(5_000);
      }
    } finally {
      await rig.close();
    }
  });
});
