// The daemon's notification parts in one place: the publisher behind the engine hooks, the delivery workers and
// the sweep watch, on a Redis connection of their own, started after the worker and stopped before Redis goes.
import type { Redis } from "ioredis";
import type { Config } from "../config/index.js";
import type { RotationEngine } from "../jobs/engine/face.js";
import type { Logger } from "../log.js";
import { startDelivery, type Delivery } from "./delivery.js";
import { createNotifier, type Notifier } from "./notifier.js";
import { startSweepWatch, type SweepWatch } from "./sweep-watch.js";

const DRAIN_POLL_MS = 100;
/** Closing never waits on a Redis that is away longer than this. */
const CLOSE_MS = 1_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export interface DaemonNotifications {
  readonly notifier: Notifier;
  /** Starts delivery and, when the daemon runs schedules, the sweep watch; announces the start. */
  start(engine: RotationEngine, options: { schedules: boolean }): void;
  /**
   * Announces the stop and gives delivery what is left of `graceMs` to send what is queued (the stop message
   * included, when no other replica is left to send it), then stops delivery. Never longer than `graceMs` in all.
   */
  stop(reason: string, graceMs: number): Promise<void>;
  /** Start-up failed: closes the connection without announcing anything. */
  abandon(): Promise<void>;
}

/** `connect` opens a Redis connection (the daemon's connectRedis: notify sits below the daemon and is handed it). */
export function createDaemonNotifications(
  config: Config,
  log: Logger,
  connect: (url: string, name: string) => Redis,
  env?: NodeJS.ProcessEnv
): DaemonNotifications | null {
  const notify = config.notify;
  if (!notify) return null;
  const connection = connect(config.redis.url, "cam-rotator-notify");
  connection.on("error", (error: Error) => log.warn({ err: error }, "notify redis connection error"));
  const prefix = config.redis.prefix;
  const notifier = createNotifier({ notify, connection, prefix, log });
  let delivery: Delivery | null = null;
  let watch: SweepWatch | null = null;
  return {
    notifier,
    start(engine, options) {
      delivery = startDelivery({ notify, connection, prefix, log, ...(env ? { env } : {}) });
      if (options.schedules) {
        watch = startSweepWatch({
          accounts: config.accounts,
          toleranceMs: notify.sweepMissedAfter,
          log,
          sweepExists: (account, slot) => engine.sweepExists(account, slot),
          onMissed: (account, slot) => notifier.sweepMissed(account, slot),
        });
      }
      notifier.daemonStarted();
    },
    async stop(reason, graceMs) {
      watch?.stop();
      const deadline = Date.now() + graceMs;
      await Promise.race([notifier.daemonStopped(reason), sleep(graceMs)]);
      if (delivery)
        while (Date.now() < deadline && (await notifier.outstanding().catch(() => 0)) > 0) await sleep(DRAIN_POLL_MS);
      await delivery?.close(Math.max(0, deadline - Date.now()));
      await this.abandon();
    },
    async abandon() {
      await Promise.race([notifier.close(), sleep(CLOSE_MS)]);
      await Promise.race([connection.quit().catch(() => undefined), sleep(CLOSE_MS)]);
      connection.disconnect();
    },
  };
}
