// Each target has a delivery queue of its own, so that BullMQ's limiter (shared by every replica through Redis)
// paces each target on its own: one slow or rate-limited robot never holds up another. Job ids are event ids, so
// the same event published twice is delivered once per target.
import type { JobsOptions } from "bullmq";
import type { NotifyConfig, NotifyTarget } from "./config.js";
import { DEFAULT_EVENTS } from "./config.js";
import type { NotifyEvent } from "./events.js";

export const notifyQueueName = (target: string) => `notify-${target}`;

/** Job data: the event alone. The URL and secret stay in the environment, never in Redis. */
export interface DeliveryJobData {
  event: NotifyEvent;
}

export const DELIVERY_JOB = "deliver";
export const NOTIFY_BACKOFF_TYPE = "notify-jitter";

const DAY_S = 86_400;

/** Delivered messages are kept a week, so that a repeat of the same event id within it collapses onto them. */
export function deliveryJobOptions(notify: NotifyConfig, event: NotifyEvent): JobsOptions {
  return {
    jobId: event.id,
    attempts: notify.attempts,
    backoff: { type: NOTIFY_BACKOFF_TYPE },
    removeOnComplete: { age: 7 * DAY_S, count: 10_000 },
    removeOnFail: { age: 30 * DAY_S, count: 1_000 },
  };
}

/** Whether the target listens to this event; test messages go wherever they are sent. */
export function targetWants(target: NotifyTarget, event: NotifyEvent): boolean {
  if (event.type === "test") return true;
  return (target.events ?? DEFAULT_EVENTS).includes(event.type);
}
