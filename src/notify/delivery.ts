// The delivery workers: one BullMQ worker per target queue, rate-limited per target, retrying 5xx, 429 and
// timeouts with exponential backoff and jitter, and failing at once on answers another attempt cannot change.
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { backoffStrategy } from "../jobs/backoff.js";
import type { Logger } from "../log.js";
import type { NotifyConfig } from "./config.js";
import { targetCredentials } from "./credentials.js";
import { formatOf } from "./formats/index.js";
import { DELIVERY_JOB, notifyQueueName, type DeliveryJobData } from "./queues.js";
import { sendOnce } from "./send.js";

export interface DeliveryOptions {
  notify: NotifyConfig;
  connection: Redis;
  prefix: string;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

export interface Delivery {
  /** Stops taking messages; one in flight gets up to `graceMs` to finish, then is handed back. */
  close(graceMs: number): Promise<void>;
}

export function startDelivery(options: DeliveryOptions): Delivery {
  const { notify, log } = options;
  const strategy = backoffStrategy({ baseMs: notify.backoff.base, maxMs: notify.backoff.max });
  const workers = notify.targets.map((target, index) => {
    const format = formatOf(target);
    const worker = new Worker<DeliveryJobData>(
      notifyQueueName(target.name),
      async (job: Job<DeliveryJobData>) => {
        if (job.name !== DELIVERY_JOB) throw new UnrecoverableError(`unknown job name "${job.name}"`);
        const answer = await sendOnce(
          format,
          job.data.event,
          targetCredentials(target, index, options.env),
          target.timeout
        );
        switch (answer.kind) {
          case "delivered":
            log.info(
              { target: target.name, event: job.data.event.id, attempt: job.attemptsMade + 1 },
              "notification delivered"
            );
            return { detail: answer.detail };
          case "retry":
            throw new Error(answer.detail);
          case "refused":
            throw new UnrecoverableError(`refused: ${answer.detail}`);
          default: {
            const unknown: never = answer;
            throw new Error(`unknown answer ${JSON.stringify(unknown)}`);
          }
        }
      },
      {
        connection: options.connection,
        prefix: options.prefix,
        concurrency: 1,
        limiter: { max: target.rateLimit.max, duration: target.rateLimit.per },
        settings: { backoffStrategy: strategy },
      }
    );
    worker.on("failed", (job, error) => {
      if (!job) return;
      const final = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      log[final ? "error" : "warn"](
        { target: target.name, event: job.data.event.id, attempt: job.attemptsMade, reason: error.message },
        final ? "notification not delivered" : "notification attempt failed; retrying"
      );
    });
    worker.on("error", (error) => log.warn({ target: target.name, error: error.message }, "notification worker error"));
    return worker;
  });
  return {
    async close(graceMs) {
      await Promise.all(
        workers.map(async (worker) => {
          const closed = worker.close();
          const inTime = await Promise.race([closed.then(() => true), sleep(graceMs).then(() => false)]);
          if (!inTime) await worker.close(true);
        })
      );
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
