// The BullMQ worker that runs the engine's jobs, and its shutdown: stop taking jobs, give active ones until the
// deadline, then have them hand themselves back to the queue at their next step boundary.
import { setTimeout as sleep } from "node:timers/promises";
import { DelayedError, Worker, type Job, type WorkerOptions } from "bullmq";
import type { Logger } from "pino";
import { backoffStrategy, DEFAULT_BACKOFF } from "../backoff.js";
import type { EngineWorker } from "./face.js";
import type { EngineContext } from "./context.js";
import { createProcessor } from "./processor.js";
import { QUEUE_NAME } from "../queue.js";

/** How long jobs cancelled at the deadline get to reach a step boundary before the worker is closed by force. */
const HAND_BACK_MS = 5_000;
const POLL_MS = 50;
/** A job a paused worker took anyway (a fetch already under way when it paused) comes back this much later. */
const PAUSED_HAND_BACK_MS = 2_000;

export interface RunningWorker {
  worker: Worker;
  /** Jobs this worker is processing right now. */
  running(): number;
  /** While set, a job the worker takes is handed straight back: BullMQ's pause does not stop a fetch in flight. */
  refuse(refusing: boolean): void;
}

/** `paused`: the worker takes no job until its handle's resume() (the daemon waits for the fleet check). */
export function startWorker(ctx: EngineContext, concurrency: number, paused = false): RunningWorker {
  const { tuning } = ctx;
  const options: WorkerOptions = {
    connection: ctx.connection,
    prefix: ctx.config.redis.prefix,
    concurrency,
    autorun: !paused,
    lockDuration: tuning.lockDurationMs ?? 30_000,
    stalledInterval: tuning.stalledIntervalMs ?? 30_000,
    maxStalledCount: tuning.maxStalledCount ?? 2,
    settings: { backoffStrategy: backoffStrategy({ ...DEFAULT_BACKOFF, ...tuning.backoff }) },
  };
  const processJob = createProcessor(ctx);
  let running = 0;
  let refusing = paused;
  const worker = new Worker(
    QUEUE_NAME,
    async (job, token, signal) => {
      if (refusing) return handBackUntouched(job, token);
      running++;
      try {
        return await processJob(job, token, signal);
      } finally {
        running--;
      }
    },
    ctx.seams.workerOptions ? ctx.seams.workerOptions(options) : options
  );
  worker.on("error", (error) => ctx.log.error({ error: error.message }, "worker error"));
  return {
    worker,
    running: () => running,
    refuse: (value) => {
      refusing = value;
    },
  };
}

async function handBackUntouched(job: Job, token: string | undefined): Promise<never> {
  await job.moveToDelayed(Date.now() + PAUSED_HAND_BACK_MS, token);
  throw new DelayedError();
}

export function workerHandle(
  { worker, running, refuse }: RunningWorker,
  forget: () => void,
  log: Logger
): EngineWorker {
  const idleWithin = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (running() > 0 && Date.now() < deadline) await sleep(POLL_MS);
    return running() === 0;
  };
  return {
    async pause() {
      refuse(true);
      await worker.pause(true);
    },
    async resume() {
      refuse(false);
      await worker.resume();
    },
    async close(deadlineMs) {
      await worker.pause(true); // Take no new jobs; active ones carry on.
      if (!(await idleWithin(deadlineMs))) {
        // Active jobs stop at their next step boundary and go back to the queue (never between create and stage).
        log.warn(
          { deadlineMs, running: running() },
          "active jobs still running at the shutdown deadline; handing them back"
        );
        worker.cancelAllJobs("shutdown");
        await idleWithin(HAND_BACK_MS);
      }
      // Anything still running now is abandoned: its lock lapses and another worker resumes it (P7).
      await worker.close(running() > 0);
      forget();
    },
  };
}
