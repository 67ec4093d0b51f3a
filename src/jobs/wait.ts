// Following one rotate job to its end for the CLI: its steps as they complete (from the event stream, so quick
// steps are not missed between polls), then the outcome. Parked counts as an end (it waits for an operator).
// Polls, which is simple and survives reconnects.
import { setTimeout as sleep } from "node:timers/promises";
import type { Queue } from "bullmq";
import type { RotationOutcome } from "./engine/face.js";
import type { EventLog } from "./events.js";
import type { OutcomeStore } from "./outcomes.js";
import type { RotateJobData, RotateProgress } from "./queue.js";

const POLL_MS = 100;
const DEFAULT_TIMEOUT_MS = 15 * 60_000;

export async function waitForRotation(
  queue: Queue,
  outcomes: OutcomeStore,
  events: EventLog,
  jobId: string,
  onProgress?: (step: string) => void,
  timeoutMs = DEFAULT_TIMEOUT_MS
): Promise<RotationOutcome> {
  const deadline = Date.now() + timeoutMs;
  let seen: { timestamp: number; data: RotateJobData } | undefined;
  let lastStep: string | undefined;
  let cursor: string | undefined;
  const report = (step: string) => {
    lastStep = step;
    onProgress?.(step);
  };
  /** Steps completed since the job was added, in order. */
  const reportSteps = async () => {
    if (!onProgress || !seen) return;
    const { account, uin } = seen.data;
    const batch = await events.read(
      cursor === undefined ? { fromTime: seen.timestamp, count: 1000 } : { after: cursor, count: 1000 }
    );
    for (const event of batch) {
      cursor = event.id;
      if (event.type === "step-done" && event.account === account && event.uin === uin) report(event.step);
    }
  };
  for (;;) {
    const job = await queue.getJob(jobId);
    if (job && (seen === undefined || job.timestamp === seen.timestamp)) {
      seen ??= { timestamp: job.timestamp, data: job.data as RotateJobData };
      const [state, progress] = [await job.getState(), job.progress as RotateProgress | number | undefined];
      await reportSteps();
      const step = typeof progress === "object" && progress !== null ? progress.step : undefined;
      if ((step === "parked" || step === "deferred") && step !== lastStep) report(step);
      const who = { account: seen.data.account, uin: seen.data.uin };
      if (state === "failed") {
        // The job may have failed between the read of the job and the read of its state: read the reason again.
        const reason = job.failedReason ?? (await queue.getJob(jobId))?.failedReason;
        return { kind: "failed", ...who, reason: reason ?? "failed without a reason" };
      }
      if (state === "completed" && job.returnvalue) return job.returnvalue as RotationOutcome;
      if (state === "delayed" && typeof progress === "object" && progress?.step === "parked") {
        return { kind: "parked", ...who, flaggedKeyId: progress.flaggedKeyId, reason: progress.reason };
      }
    } else {
      // Gone (completed rotate jobs are removed) or replaced by a newer job with the same id.
      await reportSteps();
      const stored = await outcomes.load(jobId);
      if (stored && (seen === undefined || stored.jobTimestamp === seen.timestamp)) return stored.outcome;
      if (seen !== undefined) {
        return {
          kind: "failed",
          account: seen.data.account,
          uin: seen.data.uin,
          reason: `job ${jobId} was removed before it finished`,
        };
      }
      if (!job) throw new Error(`no rotation job ${jobId}`);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${jobId}${lastStep ? ` (last step ${lastStep})` : ""}`
      );
    }
    await sleep(POLL_MS);
  }
}
