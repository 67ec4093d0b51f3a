// Waking a parked rotation before its re-check (rotation.parkRecheck, the fallback): an operator's approval, or
// the retirement of the previous key it waits for, has ended the wait.
import type { Queue } from "bullmq";
import { jobIds, type RotateProgress } from "./queue.js";

/**
 * Promotes the user's delayed rotate job; with `parkedOn`, only if it is parked on that key. Returns whether
 * a delayed job was there to wake.
 */
export async function wakeRotation(queue: Queue, account: string, uin: number, parkedOn?: string): Promise<boolean> {
  const job = await queue.getJob(jobIds.rotate(account, uin));
  if (!job || !(await job.isDelayed())) return false;
  const progress = job.progress as RotateProgress | undefined;
  if (parkedOn !== undefined && (progress?.step !== "parked" || progress.flaggedKeyId !== parkedOn)) return false;
  await job.promote().catch(() => undefined); // It may have just woken up by itself.
  return true;
}
