// What the queue holds, read for the admin CLI's status and the daemon's metrics: counts per state, the active
// and failed jobs, the parked rotations, and the workers connected.
import type { Queue } from "bullmq";
import type { ParkedStore } from "../parked.js";
import type { RotateJobData, RotateProgress } from "../queue.js";
import type { EngineStatus } from "./face.js";

const LIST_LIMIT = 100;
const QUEUE_STATES = [
  "waiting",
  "active",
  "delayed",
  "prioritized",
  "completed",
  "failed",
  "waiting-children",
] as const;

/**
 * The step an active rotation is in, from its progress record (the rotate job writes it there, not to BullMQ's
 * progress); undefined outside an attempt. Display only, so the record's MAC is not checked here.
 */
export type RotationStepOf = (account: string, uin: number) => Promise<string | undefined>;

export async function readStatus(
  queue: Queue,
  parked: ParkedStore,
  rotationStep: RotationStepOf
): Promise<EngineStatus> {
  // BullMQ 6 has no "paused" state: a paused queue's jobs wait; they are counted as paused here.
  const counts = await queue.getJobCounts("waiting", "active", "delayed", "completed", "failed", "prioritized");
  const [active, failed, parkedJobs, paused] = await Promise.all([
    queue.getActive(0, LIST_LIMIT - 1),
    queue.getFailed(0, LIST_LIMIT - 1),
    readParked(queue, parked),
    queue.isPaused(),
  ]);
  const describe = (data: { account?: string; uin?: number }) => ({
    account: data.account ?? "",
    ...(typeof data.uin === "number" ? { uin: data.uin } : {}),
  });
  return {
    counts: {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      prioritized: counts.prioritized ?? 0,
      paused: paused ? (counts.waiting ?? 0) : 0,
    },
    active: await Promise.all(
      active.map(async (job) => {
        const data = job.data as RotateJobData;
        // A sweep's progress is in BullMQ's; a rotation's in its record.
        const step =
          job.name === "rotate"
            ? await rotationStep(data.account, data.uin)
            : (job.progress as RotateProgress | undefined)?.step;
        return { jobId: job.id ?? "", name: job.name, ...describe(data), ...(step ? { step } : {}) };
      })
    ),
    failed: failed.map((job) => ({
      jobId: job.id ?? "",
      name: job.name,
      ...describe(job.data as RotateJobData),
      reason: job.failedReason ?? "",
      failedAt: job.finishedOn ?? 0,
    })),
    parked: parkedJobs,
    paused,
  };
}

/** Jobs per state, for the metrics' queue gauge. */
export function queueCounts(queue: Queue): Promise<Record<string, number>> {
  return queue.getJobCounts(...QUEUE_STATES);
}

/** Rotate jobs that parked themselves and are still waiting for their re-check. */
async function readParked(queue: Queue, parked: ParkedStore): Promise<EngineStatus["parked"]> {
  const found: EngineStatus["parked"] = [];
  for (const id of await parked.list()) {
    const job = await queue.getJob(id);
    const progress = job?.progress as RotateProgress | undefined;
    if (!job || typeof progress !== "object" || progress?.step !== "parked" || !(await job.isDelayed())) continue;
    const data = job.data as RotateJobData;
    found.push({ jobId: id, account: data.account, uin: data.uin, flaggedKeyId: progress.flaggedKeyId });
  }
  return found;
}
