// The failures the engine must survive: a lost CreateAccessKey response, the vault down at stage time, a new
// key that never authenticates, 50 concurrent requests for one user, limiter deferral, transient and permanent
// CAM errors, and the bound on kept failed jobs.
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisGate } from "../../src/cam/limiter/redis-gate.js";
import { startMotoServer } from "../support/services.js";
import { createRotationEngine } from "../../src/jobs/engine/create-engine.js";
import { silentLogger } from "../../src/log.js";
import { ACCOUNT, createRig, eventually, OWNER_UIN, scanRigs, USER_UIN, type Rig } from "../support/harness.js";
import { startTcpProxy } from "../support/tcp-proxy.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

const jobId = `rotate-${ACCOUNT}-${USER_UIN}`;
const okCalls = async (rig: Rig, action: string) =>
  (await rig.requests()).filter((request) => request.action === action && request.outcome === "OK");

describe("lost response on CreateAccessKey", () => {
  it("flags the newcomer it cannot prove it made (never deletes it unapproved); on approval it ends with exactly one new key", async () => {
    const rig = await createRig();
    try {
      const oldKey = rig.seeded[0]!;
      await rig.faults({ action: "CreateAccessKey", fault: "lostResponse", times: 1 });
      // Lost answer: the key was made, but it cannot be told from one an operator added meanwhile (P3).
      const parked = await rig.rotate();
      expect(parked).toMatchObject({ kind: "parked", reason: "unproven-create" });
      if (parked.kind !== "parked") return;
      expect(await okCalls(rig, "DeleteAccessKey")).toEqual([]);
      await rig.engine.approveRemoval(parked.flaggedKeyId);
      const outcome = await rig.engine.waitForRotation(jobId, undefined, 20_000);
      expect(outcome.kind).toBe("rotated");
      if (outcome.kind !== "rotated") return;

      const creates = (await rig.requests()).filter((request) => request.action === "CreateAccessKey");
      expect(creates).toHaveLength(2); // The lost one (committed in CAM) and the one that made it.
      const keys = (await rig.keysOf()).map((key) => key.accessKeyId).sort();
      expect(keys).toEqual([oldKey.accessKeyId, outcome.newKeyId].sort());
      const removed = (await rig.engine.readEvents({ count: 500 })).find((event) => event.type === "key-removed");
      expect(removed?.keyId).toBe(parked.flaggedKeyId);
      expect(removed?.keyId).not.toBe(outcome.newKeyId);
      expect(await okCalls(rig, "DeleteAccessKey")).toHaveLength(1);
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });
});

describe("CreateAccessKey answer lost without a key", () => {
  it("does not take a key an operator adds before the retry for its orphan: it is flagged, never deleted", async () => {
    const rig = await createRig({ rotation: { attempts: 1 } });
    try {
      // The answer is lost (503) and no key was made; the attempt fails and stays recorded for the next run.
      await rig.faults({ action: "CreateAccessKey", fault: "http", status: 503, times: 1 });
      expect(await rig.rotate()).toMatchObject({ kind: "failed" });
      // Before the retry an operator adds a key by hand: created after the lost call, unknown to the vault.
      const planted = rig.sim.simulator.addForeignKey({ ownerUin: OWNER_UIN, uin: USER_UIN }).accessKeyId;
      await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
      const outcome = await rig.engine.waitForRotation(jobId, undefined, 20_000);
      expect(outcome).toMatchObject({ kind: "parked", flaggedKeyId: planted, reason: "foreign-key" });
      expect((await rig.keysOf()).map((key) => key.accessKeyId)).toContain(planted);
      expect(await okCalls(rig, "DeleteAccessKey")).toEqual([]);
    } finally {
      await rig.close();
    }
  });
});

describe("vault unavailable at stage time", () => {
  it("deletes the new key, fails the attempt, keeps the old key current; a later request rotates", async () => {
    const moto = await startMotoServer();
    const proxy = await startTcpProxy(moto.port);
    let cutVault = true;
    const rig = await createRig({
      motoUrl: proxy.url,
      rotation: { attempts: 1 },
      wrapCam: (cam) => ({
        ...cam,
        account: cam.account,
        async createAccessKey(uin) {
          const made = await cam.createAccessKey(uin);
          if (cutVault) await proxy.stop(); // The vault goes down between CreateAccessKey and the vault write.
          return made;
        },
      }),
    });
    try {
      const oldKey = rig.seeded[0]!;
      const outcome = await rig.rotate();
      expect(outcome).toMatchObject({ kind: "failed", reason: expect.stringContaining("could not store new key") });
      const keys = await rig.keysOf();
      expect(keys.map((key) => [key.accessKeyId, key.status])).toEqual([[oldKey.accessKeyId, "Active"]]);
      const deleted = await okCalls(rig, "DeleteAccessKey");
      expect(deleted).toHaveLength(1);

      cutVault = false;
      await proxy.start();
      const vault = await rig.vault.describe(rig.ref());
      expect(vault.current?.accessKeyId).toBe(oldKey.accessKeyId);
      expect(vault.pending).toBeUndefined();
      expect(await rig.invariants()).toEqual([]);

      // The failed job is kept for inspection; a new request retries it in place and it rotates.
      expect((await rig.engine.status()).failed).toEqual([
        expect.objectContaining({ jobId, reason: expect.stringContaining("vault") }),
      ]);
      const again = await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
      expect(again).toEqual({ jobId, added: true });
      expect(await rig.engine.waitForRotation(jobId, undefined, 20_000)).toMatchObject({
        kind: "rotated",
        previousKeyId: oldKey.accessKeyId,
      });
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
      await proxy.stop();
      await moto.stop();
    }
  });
});

describe("a new key that never authenticates", () => {
  it("is deleted, its pending version discarded, and the rotation fails with the reason", async () => {
    const rig = await createRig({
      rotation: { attempts: 1, verifyTimeout: 800 },
      // The key CAM made does not work for its holder: sign with a wrong secret.
      wrapCam: (cam) => ({
        ...cam,
        account: cam.account,
        whoAmI: (credentials) => cam.whoAmI({ ...credentials, secretKey: `x${credentials.secretKey}` }),
      }),
    });
    try {
      const oldKey = rig.seeded[0]!;
      const outcome = await rig.rotate();
      expect(outcome).toMatchObject({ kind: "failed", reason: expect.stringContaining("never authenticated") });
      expect(outcome.kind === "failed" && outcome.reason).toMatch(/AuthFailure\.SignatureFailure/);
      expect((await rig.keysOf()).map((key) => key.accessKeyId)).toEqual([oldKey.accessKeyId]);
      const vault = await rig.vault.describe(rig.ref());
      expect(vault.pending).toBeUndefined();
      expect(vault.current?.accessKeyId).toBe(oldKey.accessKeyId);
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });
});

describe("one rotation per user (P6)", () => {
  it("50 concurrent requests from 5 engines on separate connections make one job and one CreateAccessKey", async () => {
    const rig = await createRig();
    const others = Array.from({ length: 5 }, () => {
      const connection = new Redis(rig.config.redis.url, { maxRetriesPerRequest: null });
      return {
        connection,
        engine: createRotationEngine({
          config: rig.config,
          connection,
          vault: rig.vault,
          camFor: () => rig.cam,
          log: silentLogger,
        }),
      };
    });
    try {
      const results = await Promise.all(
        others.flatMap(({ engine }) =>
          Array.from({ length: 10 }, () => engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true }))
        )
      );
      expect(results.filter((result) => result.added)).toHaveLength(1);
      expect(new Set(results.map((result) => result.jobId))).toEqual(new Set([jobId]));
      expect((await rig.engine.waitForRotation(jobId, undefined, 20_000)).kind).toBe("rotated");
      expect((await rig.requests()).filter((request) => request.action === "CreateAccessKey")).toHaveLength(1);
      expect(await rig.invariants()).toEqual([]);
    } finally {
      for (const { engine, connection } of others) {
        await engine.close();
        connection.disconnect();
      }
      await rig.close();
    }
  });
});

describe("worker shutdown", () => {
  it("past the deadline, an active rotation hands itself back at the next step boundary (never between create and stage)", async () => {
    const rig = await createRig({ worker: false });
    try {
      await rig.faults({ action: "CreateAccessKey", fault: "latency", ms: 1_000, times: 1 });
      const worker = rig.engine.startWorker({ concurrency: 1 });
      const { jobId: id } = await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
      await eventually(
        async () =>
          (await rig.redis.hget(`${rig.prefix}:rotator:progress:${ACCOUNT}:${USER_UIN}`, "step")) === "create" ||
          undefined,
        5_000,
        "the rotation to reach create"
      );
      await worker.close(100);
      const job = await rig.queue.getJob(id);
      expect(["delayed", "waiting"]).toContain(await job!.getState());
      expect(job!.attemptsMade).toBe(0);
      // The new key reached the vault before the job let go, so nothing was orphaned.
      const pending = (await rig.vault.describe(rig.ref())).pending;
      expect(pending).toBeDefined();

      const again = rig.engine.startWorker({ concurrency: 1 });
      try {
        const outcome = await rig.engine.waitForRotation(id, undefined, 20_000);
        expect(outcome).toMatchObject({ kind: "rotated", newKeyId: pending!.accessKeyId });
        expect((await rig.requests()).filter((request) => request.action === "CreateAccessKey")).toHaveLength(1);
        expect(await rig.invariants()).toEqual([]);
      } finally {
        await again.close(5_000);
      }
    } finally {
      await rig.close();
    }
  });
});

describe("retries", () => {
  it("a limiter deferral moves the job to delayed without using an attempt", async () => {
    const rig = await createRig({ rotation: { attempts: 1 } });
    try {
      // Someone else used up CreateAccessKey for the next 3 s (beyond limiter.maxWait of 2 s).
      await createRedisGate({ redis: rig.redis, prefix: rig.prefix, penaltyMs: 3_000 }).penalize(
        ACCOUNT,
        "CreateAccessKey"
      );
      const { jobId: id } = await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
      const deferred = await eventually(
        async () => {
          const job = await rig.queue.getJob(id);
          return job && (await job.getState()) === "delayed" ? job : undefined;
        },
        5_000,
        "the job to defer itself"
      );
      expect(deferred.progress).toEqual({ step: "deferred" });
      expect(deferred.attemptsMade).toBe(0);
      expect(await rig.engine.waitForRotation(id, undefined, 20_000)).toMatchObject({ kind: "rotated" });
    } finally {
      await rig.close();
    }
  });

  it("transient CAM errors are retried with backoff until the rotation succeeds", async () => {
    const rig = await createRig({ rotation: { attempts: 4 } });
    try {
      await rig.faults({ action: "CreateAccessKey", fault: "error", code: "InternalError", times: 2 });
      expect((await rig.rotate()).kind).toBe("rotated");
      const failedAttempts = (await rig.engine.readEvents({ count: 500 })).filter(
        (event) => event.type === "attempt-failed"
      );
      expect(failedAttempts).toHaveLength(2);
      expect(failedAttempts[0]?.detail).toContain("InternalError");
      expect(await rig.invariants()).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it("a user that does not exist fails at once with a clear reason, and failed jobs are kept in bounded number", async () => {
    const missing = [100000000091, 100000000092, 100000000093];
    const rig = await createRig({
      rotation: { attempts: 5, keepFailed: 2 },
      account: { users: [USER_UIN, ...missing] },
    });
    try {
      const outcomes = [];
      for (const uin of missing) outcomes.push(await rig.rotate(uin));
      for (const outcome of outcomes) {
        expect(outcome).toMatchObject({ kind: "failed", reason: expect.stringContaining("no longer exists") });
        expect(outcome.kind === "failed" && outcome.reason).toContain("InvalidParameter.UserNotExist");
      }
      const failed = await rig.queue.getFailed();
      expect(failed).toHaveLength(2);
      expect(failed.every((job) => job.attemptsMade === 1)).toBe(true);
      expect((await rig.requests()).filter((request) => request.action === "ListAccessKeys")).toHaveLength(3);
    } finally {
      await rig.close();
    }
  });

  it("an account that is not configured is refused at enqueue, naming it", async () => {
    const rig = await createRig({ worker: false });
    try {
      await expect(rig.engine.enqueueRotation({ account: "nope", uin: USER_UIN })).rejects.toThrow(
        /account "nope" is not in the configuration/
      );
      await expect(rig.engine.enqueueRotation({ account: ACCOUNT, uin: -3 })).rejects.toThrow(
        /uin: expected a UIN \(positive integer\), got -3/
      );
      expect(await rig.queue.getJobCounts()).toMatchObject({ waiting: 0, delayed: 0 });
    } finally {
      await rig.close();
    }
  });
});
