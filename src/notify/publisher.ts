// Hands events to the targets' delivery queues. Publishing never blocks or fails what triggered it (a rotation,
// a shutdown): it is fire-and-forget, bounded by notify.enqueueTimeout, and a failure is logged, not thrown.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";
import type { NotifyConfig } from "./config.js";
import type { NotifyEvent } from "./events.js";
import { DELIVERY_JOB, deliveryJobOptions, notifyQueueName, targetWants, type DeliveryJobData } from "./queues.js";

export interface Publisher {
  /** Fire-and-forget. */
  publish(event: NotifyEvent): void;
  /** Resolves once the event is queued for every target that wants it, or the timeout passed; never rejects. */
  publishSettled(event: NotifyEvent): Promise<void>;
  /** Messages waiting or being sent, over every target (delayed retries not counted). */
  outstanding(): Promise<number>;
  close(): Promise<void>;
}

export function createPublisher(options: {
  notify: NotifyConfig;
  connection: Redis;
  prefix: string;
  log: Logger;
}): Publisher {
  const { notify, log } = options;
  const queues = new Map(
    notify.targets.map((target) => [
      target.name,
      new Queue<DeliveryJobData>(notifyQueueName(target.name), {
        connection: options.connection,
        prefix: options.prefix,
      }),
    ])
  );
  for (const queue of queues.values()) {
    queue.on("error", (error) => log.debug({ queue: queue.name, error: error.message }, "notification queue error"));
  }
  const pending = new Set<Promise<void>>();

  async function enqueue(event: NotifyEvent): Promise<void> {
    await Promise.all(
      notify.targets
        .filter((target) => targetWants(target, event))
        .map((target) => queues.get(target.name)!.add(DELIVERY_JOB, { event }, deliveryJobOptions(notify, event)))
    );
  }

  function publishSettled(event: NotifyEvent): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), notify.enqueueTimeout);
    });
    const settled = Promise.race([enqueue(event).then(() => "queued" as const), timeout])
      .then(
        (result) => {
          if (result === "timeout")
            log.warn(
              { event: event.id, type: event.type, timeoutMs: notify.enqueueTimeout },
              "notification not queued in time"
            );
        },
        (error: unknown) => {
          log.warn(
            { event: event.id, type: event.type, error: (error as Error).message },
            "could not queue a notification"
          );
        }
      )
      .finally(() => {
        clearTimeout(timer);
        pending.delete(settled);
      });
    pending.add(settled);
    return settled;
  }

  return {
    publish(event) {
      void publishSettled(event);
    },
    publishSettled,
    async outstanding() {
      const counts = await Promise.all(
        [...queues.values()].map((queue) => queue.getJobCounts("waiting", "active", "prioritized"))
      );
      return counts.reduce((sum, count) => sum + Object.values(count).reduce((a, b) => a + b, 0), 0);
    },
    async close() {
      await Promise.all(pending);
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}
