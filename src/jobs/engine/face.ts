// The rotation engine's public surface: what the daemon and the admin CLI use. Implemented by
// createRotationEngine (create-engine.ts). Nothing here carries a secret.
import type { VaultDescription } from "../../vault/port.js";
import type { OperatorAction } from "../audit.js";
import type { RotationEvent } from "../events.js";
import type { SweepPlanEntry, SweepPlanOptions } from "../sweep-plan.js";

// Part of the surface, defined below it so that the modules producing them need not import this one.
export type { RotationEvent, SweepPlanEntry };

export type RotationOutcome =
  | { kind: "rotated"; account: string; uin: number; newKeyId: string; previousKeyId: string | null }
  | { kind: "skipped"; account: string; uin: number; reason: string }
  | { kind: "parked"; account: string; uin: number; flaggedKeyId: string; reason: string }
  | { kind: "failed"; account: string; uin: number; reason: string };

export interface FlaggedKey {
  account: string;
  uin: number;
  accessKeyId: string;
  /** unproven-create: the key appeared while a CreateAccessKey's outcome was unknown; it may be an operator's. */
  reason: "foreign-key" | "flag-only-policy" | "unproven-create";
  flaggedAt: number;
  status: "pending" | "approved";
}

export interface EngineStatus {
  counts: Record<"waiting" | "active" | "delayed" | "completed" | "failed" | "paused" | "prioritized", number>;
  active: Array<{ jobId: string; name: string; account: string; uin?: number; step?: string }>;
  failed: Array<{ jobId: string; name: string; account: string; uin?: number; reason: string; failedAt: number }>;
  parked: Array<{ jobId: string; account: string; uin: number; flaggedKeyId: string }>;
  paused: boolean;
}

/** Hooks for metrics; every method optional so tests can pass nothing. */
export interface EngineObserver {
  rotationFinished?(outcome: RotationOutcome): void;
  keyFlagged?(flag: FlaggedKey): void;
  /** A retired key was used after it stopped being current: its deactivation is held (an alert). */
  retirementHeld?(key: { account: string; uin: number; accessKeyId: string; lastUsedAt: number | null }): void;
  /** A progress record or flag failed its MAC and was ignored (an alert: forged or damaged). */
  recordRejected?(kind: "progress" | "flag"): void;
  /** A resumed rotation stopped: its vault is not the one its attempt wrote to, or the secret disappeared (an alert). */
  vaultAlert?(alert: {
    account: string;
    uin: number;
    reason: "vault-identity-mismatch" | "vault-secret-missing";
  }): void;
  /** A job for an account this process's config lacks was handed back, delayed, for a daemon that has it (an alert). */
  unknownAccount?(account: string, jobName: string): void;
  /** A run found its job lock gone or taken by another worker and stopped before a write. */
  jobLockLost?(account: string, jobName: string): void;
}

export interface EngineWorker {
  /** Takes no new jobs (active ones run on) until resume(). */
  pause(): Promise<void>;
  /** Takes jobs again; also starts a worker that was started paused. */
  resume(): Promise<void>;
  /** Stops taking jobs; waits up to `deadlineMs` for active ones, then hands the rest back to the queue. */
  close(deadlineMs: number): Promise<void>;
}

export interface RotationEngine {
  /**
   * One rotate job per user (P6): while the user's job exists (waiting, active, delayed, parked) another request
   * collapses onto it (added: false). A job that failed for good is retried in place with this request's data and
   * fresh attempts (added: true). `force` rotates even a key younger than maxKeyAgeDays (default false: the job
   * ends "skipped"). Throws, naming the value, for an unconfigured account or a bad UIN.
   */
  enqueueRotation(request: {
    account: string;
    uin: number;
    force?: boolean;
    reason?: "schedule" | "manual";
  }): Promise<{ jobId: string; added: boolean }>;
  /**
   * Who is due in an account and why, without enqueueing anything. `onProgress` (optional, for the CLI's
   * progress line) hears how many users have been looked at out of how many.
   */
  planSweep(account: string, options?: SweepPlanOptions): Promise<SweepPlanEntry[]>;
  /**
   * Enqueues rotations for many users in chunks (BullMQ addBulk), with enqueueRotation's one-job-per-user promise:
   * an existing job is met (added: false), a job that failed for good is retried in place. `onProgress` hears
   * how many users were handled out of how many.
   */
  enqueueRotations(
    request: { account: string; uins: readonly number[]; reason: "schedule" | "manual" },
    onProgress?: (done: number, total: number) => void
  ): Promise<Array<{ uin: number; jobId: string; added: boolean }>>;
  /** Enqueues one sweep job for the slot; idempotent per (account, slot). */
  enqueueSweep(account: string, slot: number): Promise<{ jobId: string; added: boolean }>;
  /** Whether the slot's sweep job was enqueued (by any replica); completed sweeps count for an hour. */
  sweepExists(account: string, slot: number): Promise<boolean>;
  /** Follows a rotation job to its end; `onProgress` hears each step. Parked counts as an end. */
  waitForRotation(jobId: string, onProgress?: (step: string) => void, timeoutMs?: number): Promise<RotationOutcome>;
  startWorker(options: { concurrency: number; paused?: boolean }): EngineWorker;
  status(): Promise<EngineStatus>;
  /** Jobs per queue state (waiting, active, delayed, prioritized, completed, failed, waiting-children). */
  queueCounts(): Promise<Record<string, number>>;
  /** Workers connected to the queue, across every process. */
  workerCount(): Promise<number>;
  retryFailed(): Promise<number>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  listFlags(): Promise<FlaggedKey[]>;
  /** Marks the flag approved and resumes the parked rotation at once (or starts one); throws for an unknown key. */
  approveRemoval(accessKeyId: string): Promise<FlaggedKey>;
  /** Removes the flag; the key stays, is not flagged again, and its rotation stays parked until the key is gone. */
  dismissFlag(accessKeyId: string): Promise<FlaggedKey>;
  /** After `after` (exclusive), or from `fromTime` (epoch ms), the next `count` (default 100); else the latest `count`. */
  readEvents(options?: { after?: string; fromTime?: number; count?: number }): Promise<RotationEvent[]>;
  /** Records an operator action with the OS user and host, in the event stream and the audit stream (audit.ts). */
  recordOperatorAction(action: OperatorAction): Promise<Omit<RotationEvent, "id" | "time">>;
  /** The audit stream: the same options as readEvents. */
  readAudit(options?: { after?: string; fromTime?: number; count?: number }): Promise<RotationEvent[]>;
  /** Yields events as they arrive until the signal aborts. */
  followEvents(signal: AbortSignal, after?: string): AsyncIterable<RotationEvent>;
  vaultView(account: string, uin: number): Promise<VaultDescription>;
  close(): Promise<void>;
}
