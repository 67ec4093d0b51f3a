// createRotationEngine: wires the queue, the stores and the processors behind the RotationEngine surface that
// the daemon and the admin CLI use. BullMQ's `prefix` is config.redis.prefix (never ioredis' keyPrefix).
import { randomUUID } from "node:crypto";
import { Queue, type JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { CamApi } from "../cam/types.js";
import type { Config } from "../config/schema.js";
import type { Vault } from "../vault/port.js";
import { BACKOFF_TYPE } from "./backoff.js";
import type { EngineObserver, EngineStatus, FlaggedKey, RotationEngine } from "./engine.js";
import { accountConfig, sweepDeps, type EngineContext, type EngineTuning } from "./engine-context.js";
import { AUDIT_STREAM_MAX, recordOperatorAction } from "./audit.js";
import { enqueueRotationsInBulk } from "./enqueue-bulk.js";
import { createEventLog } from "./events.js";
import { createFlagStore } from "./flags.js";
import { engineKeys } from "./keys.js";
import { createOutcomeStore } from "./outcomes.js";
import { createProgressStore } from "./progress.js";
import { createRecordSigner, type RejectedRecord } from "./record-mac.js";
import { jobIds, QUEUE_NAME, type RotateJobData, type RotateProgress, type SweepJobData } from "./queue.js";
import { planSweep } from "./sweep.js";
import { waitForRotation } from "./wait.js";
import { wakeRotation } from "./wake-rotation.js";
import { startWorker, workerHandle, type RunningWorker } from "./worker.js";
import type { RotationTurns } from "./turns.js";

export type { EngineTuning } from "./engine-context.js";

export interface RotationEngineDeps {
  config: Config;
  /** ioredis with maxRetriesPerRequest: null (BullMQ workers need it). The engine does not close it. */
  connection: Redis;
  vault: Vault;
  camFor: (account: string) => CamApi;
  log: Logger;
  observer?: EngineObserver;
  /** Rotation turns per account (the daemon passes its Redis gate); without them jobs start unpaced. */
  turns?: RotationTurns;
  clock?: () => number;
  tuning?: EngineTuning;
  /** CAM_ROTATOR_RECORD_KEY (record-mac.ts): progress records and flags are signed and checked with it; none: neither. */
  recordKey?: Buffer | null;
}

/** Completed sweeps are kept an hour so that other replicas' enqueues for the same slot collapse onto them. */
const SWEEP_KEEP = { age: 3_600, count: 1_000 };
const LIST_LIMIT = 100;

export function createRotationEngine(deps: RotationEngineDeps): RotationEngine {
  const { config, connection, log } = deps;
  const clock = deps.clock ?? Date.now;
  const tuning = deps.tuning ?? {};
  const prefix = config.redis.prefix;
  const keys = engineKeys(prefix);
  const queue = new Queue(QUEUE_NAME, { connection, prefix });
  const workers = new Set<RunningWorker>();
  const retryOptions = (): JobsOptions => ({
    attempts: config.rotation.attempts,
    backoff: { type: BACKOFF_TYPE },
    removeOnFail: { count: config.rotation.keepFailed },
  });

  const signer = deps.recordKey ? createRecordSigner(deps.recordKey) : null;
  const events = createEventLog(connection, keys.events, clock);
  const audit = createEventLog(connection, keys.audit, clock, AUDIT_STREAM_MAX);
  /** A record that fails its MAC was forged or damaged: never acted on, and an alert (log, metric, event). */
  const rejected: RejectedRecord = (record) => {
    log.error({ record: record.scope, kind: record.kind, why: record.why }, "ignored a Redis record that fails its MAC (forged or damaged)");
    deps.observer?.recordRejected?.(record.kind);
    void events.append({ account: record.account ?? "", uin: record.uin ?? 0, step: "redis", type: "record-rejected",
      ...(record.keyId ? { keyId: record.keyId } : {}), detail: `${record.kind} record ${record.scope} ignored: ${record.why}` })
      .catch(() => undefined);
  };
  const ctx: EngineContext = {
    config, connection, vault: deps.vault, camFor: deps.camFor, log, observer: deps.observer, turns: deps.turns, clock, tuning, keys, queue,
    progress: createProgressStore(connection, keys, signer, rejected),
    flags: createFlagStore(connection, keys, signer, rejected),
    events,
    outcomes: createOutcomeStore(connection, keys),
    retirements: {
      async schedule(data, delayMs) {
        await queue.add("retire", data, { ...retryOptions(), jobId: jobIds.retire(data.account, data.uin, data.accessKeyId, data.phase),
          delay: delayMs, removeOnComplete: true });
      },
    },
    enqueueRotation,
    async enqueueRotations(request, onProgress) {
      accountConfig(config, request.account);
      return enqueueRotationsInBulk({ queue, redis: connection, clock, jobOptions: retryOptions, enqueueOne: enqueueRotation },
        request, onProgress);
    },
    async rotationQueued(account, uin) {
      const job = await queue.getJob(jobIds.rotate(account, uin));
      if (!job) return false;
      const state = await job.getState();
      return state !== "completed" && state !== "failed" && state !== "unknown";
    },
  };

  /**
   * One rotate job per user (P6): the id is deterministic, so while a job for the user exists (waiting, active,
   * delayed, parked) another enqueue collapses onto it and reports added: false. Completed rotate jobs are
   * removed, so a later request adds a new job. A job that failed for good is kept for inspection (bounded by
   * rotation.keepFailed) and would block its id: a new request retries it in place, with the new request's
   * options and fresh attempts, and reports added: true.
   */
  async function enqueueRotation(request: { account: string; uin: number; force?: boolean; reason?: "schedule" | "manual" }) {
    accountConfig(config, request.account);
    if (!Number.isSafeInteger(request.uin) || request.uin <= 0) {
      throw new Error(`uin: expected a UIN (positive integer), got ${JSON.stringify(request.uin)}`);
    }
    const jobId = jobIds.rotate(request.account, request.uin);
    const data: RotateJobData = { account: request.account, uin: request.uin, reason: request.reason ?? "manual",
      force: request.force ?? false, requestedAt: clock(), requestId: randomUUID() };
    await queue.add("rotate", data, { ...retryOptions(), jobId, removeOnComplete: true });
    const job = await queue.getJob(jobId);
    if (!job || (job.data as RotateJobData).requestId === data.requestId) return { jobId, added: job !== undefined };
    if (await job.isFailed()) {
      try {
        await job.updateData(data);
        await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
        await ctx.events.append({ account: request.account, uin: request.uin, step: "enqueue", type: "failed-rotation-retried" });
        return { jobId, added: true };
      } catch {
        return { jobId, added: false }; // Another request retried it first.
      }
    }
    return { jobId, added: false };
  }

  /** Rotate jobs that parked themselves and are still waiting for their re-check. */
  async function parkedJobs(): Promise<EngineStatus["parked"]> {
    const parked: EngineStatus["parked"] = [];
    for (const id of await connection.smembers(keys.parked)) {
      const job = await queue.getJob(id);
      const progress = job?.progress as RotateProgress | undefined;
      if (!job || typeof progress !== "object" || progress?.step !== "parked" || !(await job.isDelayed())) continue;
      const data = job.data as RotateJobData;
      parked.push({ jobId: id, account: data.account, uin: data.uin, flaggedKeyId: progress.flaggedKeyId });
    }
    return parked;
  }

  return {
    queue,
    enqueueRotation,

    async planSweep(account, options) {
      return planSweep(sweepDeps(ctx, accountConfig(config, account)), options);
    },

    enqueueRotations: (request, onProgress) => ctx.enqueueRotations(request, onProgress),

    async enqueueSweep(account, slot) {
      accountConfig(config, account);
      const jobId = jobIds.sweep(account, slot);
      const data: SweepJobData = { account, slot, requestId: randomUUID() };
      await queue.add("sweep", data, { ...retryOptions(), jobId, removeOnComplete: SWEEP_KEEP });
      const job = await queue.getJob(jobId);
      return { jobId, added: (job?.data as SweepJobData | undefined)?.requestId === data.requestId };
    },

    waitForRotation(jobId, onProgress, timeoutMs) {
      return waitForRotation(queue, ctx.outcomes, ctx.events, jobId, onProgress, timeoutMs);
    },

    startWorker(options) {
      const worker = startWorker(ctx, options.concurrency, options.limiter, options.paused);
      workers.add(worker);
      return workerHandle(worker, () => workers.delete(worker), log);
    },

    async status() {
      // BullMQ 6 has no "paused" state: a paused queue's jobs wait; they are counted as paused here.
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "completed", "failed", "prioritized");
      const [active, failed, parked, paused] = await Promise.all([
        queue.getActive(0, LIST_LIMIT - 1), queue.getFailed(0, LIST_LIMIT - 1), parkedJobs(), queue.isPaused()]);
      const describe = (data: { account?: string; uin?: number }) => ({ account: data.account ?? "",
        ...(typeof data.uin === "number" ? { uin: data.uin } : {}) });
      return {
        counts: { waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0,
          completed: counts.completed ?? 0, failed: counts.failed ?? 0, prioritized: counts.prioritized ?? 0,
          paused: paused ? (counts.waiting ?? 0) : 0 },
        active: active.map((job) => {
          const step = (job.progress as RotateProgress | undefined)?.step;
          return { jobId: job.id ?? "", name: job.name, ...describe(job.data as RotateJobData), ...(step ? { step } : {}) };
        }),
        failed: failed.map((job) => ({ jobId: job.id ?? "", name: job.name, ...describe(job.data as RotateJobData),
          reason: job.failedReason ?? "", failedAt: job.finishedOn ?? 0 })),
        parked,
        paused,
      };
    },

    async retryFailed() {
      let retried = 0;
      for (const job of await queue.getFailed(0, -1)) {
        try {
          await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
          retried++;
        } catch {
          // Retried or removed meanwhile.
        }
      }
      return retried;
    },

    pause: () => queue.pause(),
    resume: () => queue.resume(),

    listFlags: () => ctx.flags.list(),

    async approveRemoval(accessKeyId) {
      // Validate first, write after (P8): an approval this config cannot act on (its account is not configured
      // here) must not be left behind in Redis for another daemon to find.
      const flagged = await ctx.flags.get(accessKeyId);
      if (!flagged) throw noFlag(accessKeyId);
      accountConfig(config, flagged.account);
      const flag = await ctx.flags.approve(accessKeyId);
      if (!flag) throw noFlag(accessKeyId);
      await ctx.events.append({ account: flag.account, uin: flag.uin, step: "flags", type: "flag-approved", keyId: accessKeyId });
      await resumeParked(flag);
      return flag;
    },

    async dismissFlag(accessKeyId) {
      const flag = await ctx.flags.dismiss(accessKeyId);
      if (!flag) throw noFlag(accessKeyId);
      await ctx.events.append({ account: flag.account, uin: flag.uin, step: "flags", type: "flag-dismissed", keyId: accessKeyId });
      return flag;
    },

    readEvents: (options) => ctx.events.read(options),
    recordOperatorAction: (action) => recordOperatorAction({ events: ctx.events, audit }, action),
    readAudit: (options) => audit.read(options),
    followEvents: (signal, after) => ctx.events.follow(signal, after),

    vaultView: (account, uin) => deps.vault.describe({ account, uin }),

    async close() {
      await Promise.all([...workers].map(({ worker }) => worker.close()));
      await queue.close();
    },
  };

  /** Approval resumes the parked rotation at once; with none waiting (it failed, or was removed) it starts one. */
  async function resumeParked(flag: FlaggedKey): Promise<void> {
    if (await wakeRotation(queue, flag.account, flag.uin)) return;
    await enqueueRotation({ account: flag.account, uin: flag.uin, force: true, reason: "manual" });
  }
}

function noFlag(accessKeyId: string): Error {
  return new Error(`no flagged key ${JSON.stringify(accessKeyId)} (see the list of flags)`);
}
