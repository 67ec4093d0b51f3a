// The engine's writes to the BullMQ queue: rotate, sweep and retire jobs under their deterministic ids with the
// configured retries, and the queries about them. The engine's face and the job processors both call these; none
// calls back into the other.
import { randomUUID } from "node:crypto";
import type { JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { accountConfig } from "../../config/accounts.js";
import type { Config } from "../../config/schema.js";
import { BACKOFF_TYPE } from "../backoff.js";
import { enqueueRotationsInBulk, queuedRotations, type BulkEnqueued } from "../enqueue-bulk.js";
import type { EventLog } from "../events.js";
import { jobIds, type RotateJobData, type SweepJobData } from "../queue.js";
import type { RetirementScheduler } from "../rotate/context.js";
import { wakeRotation } from "../wake-rotation.js";

export interface RotationRequest {
  account: string;
  uin: number;
  force?: boolean;
  reason?: "schedule" | "manual";
}

export interface RotationJobs extends RetirementScheduler {
  enqueueRotation(request: RotationRequest): Promise<{ jobId: string; added: boolean }>;
  /** Many users at once (BullMQ addBulk, in chunks), with enqueueRotation's one-job-per-user promise. */
  enqueueRotations(
    request: { account: string; uins: readonly number[]; reason: "schedule" | "manual" },
    onProgress?: (done: number, total: number) => void
  ): Promise<BulkEnqueued[]>;
  enqueueSweep(account: string, slot: number): Promise<{ jobId: string; added: boolean }>;
  /** Whether a rotate job for the user exists and is not finished. */
  rotationQueued(account: string, uin: number): Promise<boolean>;
  /** The same for many users of one account, in a few round trips. */
  queuedAmong(account: string, uins: readonly number[]): Promise<Set<number>>;
  /** Whether the sweep job for the slot was enqueued (completed sweeps are kept an hour). */
  sweepExists(account: string, slot: number): Promise<boolean>;
  /** Promotes the user's delayed rotate job (wake-rotation.ts); whether one was there to wake. */
  wakeRotation(account: string, uin: number, parkedOn?: string): Promise<boolean>;
}

/** Completed sweeps are kept an hour so that other replicas' enqueues for the same slot collapse onto them. */
const SWEEP_KEEP = { age: 3_600, count: 1_000 };

export function createRotationJobs(
  queue: Queue,
  redis: Redis,
  config: Config,
  events: EventLog,
  clock: () => number
): RotationJobs {
  const retryOptions = (): JobsOptions => ({
    attempts: config.rotation.attempts,
    backoff: { type: BACKOFF_TYPE },
    removeOnFail: { count: config.rotation.keepFailed },
  });

  const jobs: RotationJobs = {
    /**
     * One rotate job per user (P6): the id is deterministic, so while a job for the user exists (waiting, active,
     * delayed, parked) another enqueue collapses onto it and reports added: false. Completed rotate jobs are
     * removed, so a later request adds a new job. A job that failed for good is kept for inspection (bounded by
     * rotation.keepFailed) and would block its id: a new request retries it in place, with the new request's
     * options and fresh attempts, and reports added: true.
     */
    async enqueueRotation(request) {
      accountConfig(config, request.account);
      if (!Number.isSafeInteger(request.uin) || request.uin <= 0) {
        throw new Error(`uin: expected a UIN (positive integer), got ${JSON.stringify(request.uin)}`);
      }
      const jobId = jobIds.rotate(request.account, request.uin);
      const data: RotateJobData = {
        account: request.account,
        uin: request.uin,
        reason: request.reason ?? "manual",
        force: request.force ?? false,
        requestedAt: clock(),
        requestId: randomUUID(),
      };
      await queue.add("rotate", data, { ...retryOptions(), jobId, removeOnComplete: true });
      const job = await queue.getJob(jobId);
      if (!job || (job.data as RotateJobData).requestId === data.requestId) return { jobId, added: job !== undefined };
      if (await job.isFailed()) {
        try {
          await job.updateData(data);
          await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
          await events.append({
            account: request.account,
            uin: request.uin,
            step: "enqueue",
            type: "failed-rotation-retried",
          });
          return { jobId, added: true };
        } catch {
          return { jobId, added: false }; // Another request retried it first.
        }
      }
      return { jobId, added: false };
    },

    async enqueueRotations(request, onProgress) {
      accountConfig(config, request.account);
      return enqueueRotationsInBulk(
        { queue, redis, clock, jobOptions: retryOptions, enqueueOne: (one) => jobs.enqueueRotation(one) },
        request,
        onProgress
      );
    },

    async enqueueSweep(account, slot) {
      accountConfig(config, account);
      const jobId = jobIds.sweep(account, slot);
      const data: SweepJobData = { account, slot, requestId: randomUUID() };
      await queue.add("sweep", data, { ...retryOptions(), jobId, removeOnComplete: SWEEP_KEEP });
      const job = await queue.getJob(jobId);
      return { jobId, added: (job?.data as SweepJobData | undefined)?.requestId === data.requestId };
    },

    async schedule(data, delayMs) {
      await queue.add("retire", data, {
        ...retryOptions(),
        jobId: jobIds.retire(data.account, data.uin, data.accessKeyId, data.phase),
        delay: delayMs,
        removeOnComplete: true,
      });
    },

    async rotationQueued(account, uin) {
      const job = await queue.getJob(jobIds.rotate(account, uin));
      if (!job) return false;
      const state = await job.getState();
      return state !== "completed" && state !== "failed" && state !== "unknown";
    },

    sweepExists: async (account, slot) => (await queue.getJob(jobIds.sweep(account, slot))) !== undefined,

    queuedAmong: (account, uins) => queuedRotations(queue, redis, account, uins),

    wakeRotation: (account, uin, parkedOn) => wakeRotation(queue, account, uin, parkedOn),
  };
  return jobs;
}
