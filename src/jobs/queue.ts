// Queue and job vocabulary shared by the worker, the scheduler and the CLI. Job data and return values are
// stored in Redis in clear text, so none of these shapes may ever hold a secret (P4).
export const QUEUE_NAME = "rotations";

export type JobName = "rotate" | "retire" | "sweep";

export interface RotateJobData {
  account: string;
  uin: number;
  reason: "schedule" | "manual";
  /** Rotate even if the current key is younger than maxKeyAgeDays. */
  force: boolean;
  requestedAt: number;
}

export interface RetireJobData {
  account: string;
  uin: number;
  accessKeyId: string;
  phase: "deactivate" | "delete";
  /** When this key stopped being current (epoch ms); use after this means someone still holds it. */
  retiredAt: number;
}

export interface SweepJobData {
  account: string;
  /** The schedule slot this sweep belongs to (epoch ms of the cron fire, rounded to the second). */
  slot: number;
}

/**
 * Deterministic job ids collapse duplicates (P6). BullMQ refuses ids with ':' unless they have exactly three
 * parts, and all-digit ids, so ids are '-' separated and start with a word.
 */
export const jobIds = {
  rotate: (account: string, uin: number) => `rotate-${account}-${uin}`,
  retire: (account: string, uin: number, accessKeyId: string, phase: RetireJobData["phase"]) =>
    `retire-${account}-${uin}-${accessKeyId}-${phase}`,
  sweep: (account: string, slot: number) => `sweep-${account}-${slot}`,
};
