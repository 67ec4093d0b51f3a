// Turns what the daemon observes into notifications: the engine's hooks (a key flagged, a rotation failed for
// good, a retirement held), CAM calls refused for authentication, missed sweeps and the daemon's own start and
// stop. None of these hooks can throw into the code that calls them.
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { CamCallObservation } from "../cam/client.js";
import type { EngineObserver } from "../jobs/engine/face.js";
import type { Logger } from "../log.js";
import type { NotifyConfig } from "./config.js";
import { eventBuilders, type NotifyEvent } from "./events.js";
import { createPublisher } from "./publisher.js";

export interface Notifier {
  readonly observer: EngineObserver;
  camCall(observation: CamCallObservation): void;
  sweepMissed(account: string, slotMs: number): void;
  daemonStarted(): void;
  /** Waits (at most notify.enqueueTimeout) until the message is queued: the process is about to end. */
  daemonStopped(reason: string): Promise<void>;
  /** Messages waiting or being sent, over every target. */
  outstanding(): Promise<number>;
  close(): Promise<void>;
}

/** CAM auth events are one per account per hour; this only saves Redis the repeats in between. */
const RECENT_IDS_MAX = 1_000;

export function createNotifier(options: {
  notify: NotifyConfig;
  connection: Redis;
  prefix: string;
  log: Logger;
  clock?: () => number;
}): Notifier {
  const { notify, log } = options;
  const events = eventBuilders(notify.runbookUrl, options.clock);
  const publisher = createPublisher(options);
  const recentIds = new Set<string>();
  const host = hostname();

  const safely = (what: string, build: () => NotifyEvent | null) => {
    try {
      const event = build();
      if (event) publisher.publish(event);
    } catch (error) {
      log.warn({ what, error: (error as Error).message }, "could not build a notification");
    }
  };
  const once = (event: NotifyEvent): NotifyEvent | null => {
    if (recentIds.has(event.id)) return null;
    if (recentIds.size >= RECENT_IDS_MAX) recentIds.clear();
    recentIds.add(event.id);
    return event;
  };

  return {
    observer: {
      keyFlagged: (flag) => safely("key-flagged", () => events.keyFlagged(flag)),
      rotationFinished: (outcome) =>
        safely("rotation-failed", () => (outcome.kind === "failed" ? events.rotationFailed(outcome) : null)),
      retirementHeld: (key) => safely("retirement-held", () => events.retirementHeld(key)),
    },
    camCall: (observation) =>
      safely("cam-auth-failing", () =>
        observation.code.startsWith("AuthFailure") ? once(events.camAuthFailing(observation)) : null
      ),
    sweepMissed: (account, slotMs) =>
      safely("sweep-missed", () => events.sweepMissed(account, slotMs, notify.sweepMissedAfter)),
    daemonStarted: () => safely("daemon-started", () => events.daemonStarted(host, process.pid)),
    async daemonStopped(reason) {
      try {
        await publisher.publishSettled(events.daemonStopped(host, process.pid, reason));
      } catch (error) {
        log.warn({ error: (error as Error).message }, "could not build a notification");
      }
    },
    outstanding: () => publisher.outstanding(),
    close: () => publisher.close(),
  };
}
