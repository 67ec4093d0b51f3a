// What tests and benchmarks adjust in the engine; the daemon leaves all of it at the defaults. Timings (tuning),
// a hook after each rotate step (the crash tests end their worker process there), and the BullMQ worker's options
// (the benchmark's BullMQ-limiter baseline adds its limiter). The scaffolding itself lives in test/ and bench/.
import type { WorkerOptions } from "bullmq";
import type { BackoffSettings } from "../backoff.js";
import type { RotateStep } from "../queue.js";

/** Knobs tests turn; the daemon keeps the defaults. */
export interface EngineTuning {
  /** Retry backoff for transient failures. Default 2 s doubling, capped at 5 min, with jitter. */
  backoff?: Partial<BackoffSettings>;
  /** BullMQ lock duration: how long a dead worker's job stays claimed. Default 30000. */
  lockDurationMs?: number;
  /** How often workers look for jobs whose worker died. Default 30000. */
  stalledIntervalMs?: number;
  /** A job that stalls more often than this fails. Default 2. */
  maxStalledCount?: number;
}

export interface EngineSeams {
  /** Heard after each rotate step is recorded (progress record and event written). */
  afterStep?(step: RotateStep): void;
  /** Adjusts the BullMQ worker's options before each worker starts. */
  workerOptions?(options: WorkerOptions): WorkerOptions;
}
