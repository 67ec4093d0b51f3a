// Queue and job vocabulary shared by the worker, the scheduler and the CLI. Job data and return values are
// stored in Redis in clear text, so none of these shapes may ever hold a secret (P4).
export const QUEUE_NAME = "rotations";

export type JobName = "rotate" | "retire" | "sweep";

/** The rotate steps, in protocol order (docs/design.md, "The rotation protocol"). Logs, events, progress and the step hooks name them. */
export const ROTATE_STEPS = [
  "inspect",
  "reconcile",
  "makeRoom",
  "create",
  "stage",
  "verify",
  "promote",
  "scheduleRetirement",
] as const;

export type RotateStep = (typeof ROTATE_STEPS)[number];

/**
 * A rotate job's BullMQ progress: the step it is in, "deferred" while it waits for the limiter (with the turn it
 * holds, epoch ms, when it waits for its account's rotation turn), or "parked" while an over-limit key waits for
 * an operator. Stored in clear text, so ids and reasons only.
 */
export type RotateProgress =
  | { step: RotateStep | "deferred" }
  | { step: "deferred"; turnAt: number }
  | { step: "parked"; flaggedKeyId: string; reason: string };

export interface RotateJobData {
  account: string;
  uin: number;
  reason: "schedule" | "manual";
  /** Rotate even if the current key is younger than maxKeyAgeDays. */
  force: boolean;
  requestedAt: number;
  /** Random per enqueue request: tells enqueueRotation whether its add created the job or met an existing one. */
  requestId?: string;
}

export interface RetireJobData {
  account: string;
  uin: number;
  accessKeyId: string;
  phase: "deactivate" | "delete";
  /** When this key stopped being current (epoch ms); use after this means someone still holds it. */
  retiredAt: number;
  /** Delete phase: when the key was set Inactive (epoch ms). Absent in jobs of older versions: the job's creation. */
  deactivatedAt?: number;
}

export interface SweepJobData {
  account: string;
  /** The schedule slot this sweep belongs to (epoch ms of the cron fire, rounded to the second). */
  slot: number;
  /** Random per enqueue request, like RotateJobData.requestId. */
  requestId?: string;
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
