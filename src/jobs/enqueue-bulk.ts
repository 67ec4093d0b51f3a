// Enqueues many users' rotations at once (a sweep's due users): BullMQ addBulk in chunks, with the same
// one-job-per-user promise as enqueueRotation (P6). Job ids are deterministic, so an add meets an existing job
// instead of adding a second; a job that failed for good is handed to enqueueRotation, which retries it in place.
import { randomUUID } from "node:crypto";
import type { JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { jobIds, type RotateJobData } from "./queue.js";

const CHUNK = 1_000;
const CHUNKS_IN_FLIGHT = 3;

export interface BulkEnqueueDeps {
  queue: Queue;
  /** The queue's Redis, for the read-back of what each add met. */
  redis: Redis;
  clock: () => number;
  /** Attempts, backoff and failed-job retention, as enqueueRotation uses them. */
  jobOptions: () => JobsOptions;
  enqueueOne(request: {
    account: string;
    uin: number;
    reason: "schedule" | "manual";
  }): Promise<{ jobId: string; added: boolean }>;
}

export interface BulkEnqueued {
  uin: number;
  jobId: string;
  /** False when the user's rotation job already existed. */
  added: boolean;
}

export async function enqueueRotationsInBulk(
  deps: BulkEnqueueDeps,
  request: { account: string; uins: readonly number[]; reason: "schedule" | "manual" },
  onProgress?: (done: number, total: number) => void
): Promise<BulkEnqueued[]> {
  const chunks: number[][] = [];
  for (let start = 0; start < request.uins.length; start += CHUNK)
    chunks.push(request.uins.slice(start, start + CHUNK));
  const done: BulkEnqueued[][] = [];
  let handled = 0;
  let next = 0;
  // A few chunks in flight: Redis works on one while this process packs the next.
  await Promise.all(
    Array.from({ length: Math.min(CHUNKS_IN_FLIGHT, chunks.length) }, async () => {
      while (next < chunks.length) {
        const index = next++;
        done[index] = await enqueueChunk(deps, request, chunks[index]!);
        handled += chunks[index]!.length;
        onProgress?.(handled, request.uins.length);
      }
    })
  );
  return done.flat();
}

async function enqueueChunk(
  deps: BulkEnqueueDeps,
  request: { account: string; reason: "schedule" | "manual" },
  uins: readonly number[]
): Promise<BulkEnqueued[]> {
  const results: BulkEnqueued[] = [];
  const jobs = uins.map((uin) => {
    const data: RotateJobData = {
      account: request.account,
      uin,
      reason: request.reason,
      force: false,
      requestedAt: deps.clock(),
      requestId: randomUUID(),
    };
    return {
      name: "rotate",
      data,
      opts: { ...deps.jobOptions(), jobId: jobIds.rotate(request.account, uin), removeOnComplete: true },
    };
  });
  await deps.queue.addBulk(jobs);
  const stored = await storedRequests(
    deps.queue,
    deps.redis,
    jobs.map((job) => job.opts.jobId)
  );
  for (const [index, job] of jobs.entries()) {
    const { uin, requestId } = job.data;
    const found = stored[index]!;
    if (found.requestId === requestId) results.push({ uin, jobId: job.opts.jobId, added: true });
    else if (found.failed)
      results.push({ uin, ...(await deps.enqueueOne({ account: request.account, uin, reason: request.reason })) });
    else results.push({ uin, jobId: job.opts.jobId, added: false });
  }
  return results;
}

/** Per job id, in one round trip: the requestId of the job stored under it, and whether that job failed for good. */
async function storedRequests(
  queue: Queue,
  redis: Redis,
  ids: readonly string[]
): Promise<Array<{ requestId: string | undefined; failed: boolean }>> {
  const pipeline = redis.pipeline();
  for (const id of ids) {
    pipeline.hget(queue.toKey(id), "data");
    pipeline.zscore(queue.keys.failed!, id);
  }
  const replies = (await pipeline.exec()) ?? [];
  return ids.map((_, index) => {
    const [dataError, data] = replies[index * 2] ?? [];
    const [failedError, score] = replies[index * 2 + 1] ?? [];
    if (dataError) throw dataError;
    if (failedError) throw failedError;
    return { requestId: requestIdOf(data), failed: score !== null && score !== undefined };
  });
}

function requestIdOf(data: unknown): string | undefined {
  if (typeof data !== "string") return undefined;
  try {
    return (JSON.parse(data) as Partial<RotateJobData>).requestId;
  } catch {
    return undefined;
  }
}

/** Which of `uins` have a rotate job that exists and has not failed for good (completed jobs are removed). */
export async function queuedRotations(
  queue: Queue,
  redis: Redis,
  account: string,
  uins: readonly number[]
): Promise<Set<number>> {
  const queued = new Set<number>();
  for (let start = 0; start < uins.length; start += CHUNK) {
    const chunk = uins.slice(start, start + CHUNK);
    const pipeline = redis.pipeline();
    for (const uin of chunk) {
      const id = jobIds.rotate(account, uin);
      pipeline.exists(queue.toKey(id));
      pipeline.zscore(queue.keys.failed!, id);
    }
    const replies = (await pipeline.exec()) ?? [];
    chunk.forEach((uin, index) => {
      const [existsError, exists] = replies[index * 2] ?? [];
      const [, score] = replies[index * 2 + 1] ?? [];
      if (existsError) throw existsError;
      if (exists === 1 && (score === null || score === undefined)) queued.add(uin);
    });
  }
  return queued;
}
