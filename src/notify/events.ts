// What a notification says: one typed event per thing an operator must hear about. Events carry ids, names,
// reasons and commands, never a secret (P4): they are stored in Redis as delivery job data and sent as they are.
// Each id is deterministic where the thing it reports is, so the same occurrence seen twice (two replicas, a
// re-check of a held key) collapses onto one delivery per target.
import type { FlaggedKey } from "../jobs/engine/face.js";
import type { NotifyEventType } from "./config.js";

interface Base<T extends NotifyEventType | "test"> {
  type: T;
  /** Deterministic where possible; letters, digits and '-' only (a BullMQ job id). */
  id: string;
  /** ISO 8601. */
  time: string;
}

export type NotifyEvent =
  | (Base<"key-flagged"> & {
      account: string;
      uin: number;
      accessKeyId: string;
      reason: FlaggedKey["reason"];
      approveCommand: string;
      dismissCommand: string;
      runbook: string;
    })
  | (Base<"rotation-failed"> & { account: string; uin: number; reason: string; retryCommand: string; runbook: string })
  | (Base<"retirement-held"> & {
      account: string;
      uin: number;
      accessKeyId: string;
      lastUsedAt: string | null;
      runbook: string;
    })
  | (Base<"cam-auth-failing"> & { account: string; action: string; code: string; runbook: string })
  | (Base<"sweep-missed"> & { account: string; slot: string; toleranceSeconds: number; runbook: string })
  | (Base<"daemon-started"> & { host: string; pid: number })
  | (Base<"daemon-stopped"> & { host: string; pid: number; reason: string })
  | (Base<"test"> & { target: string });

/** The README's runbook sections (their GitHub anchors). */
export const RUNBOOK_ANCHORS = {
  "key-flagged": "runbook-a-flagged-key",
  "rotation-failed": "runbook-a-failed-rotation",
  "retirement-held": "runbook-a-held-retirement",
  "cam-auth-failing": "runbook-cam-authentication-failing",
  "sweep-missed": "runbook-a-missed-sweep",
} as const;

const HOUR_MS = 3_600_000;
/** Ids allow letters, digits and '-': everything else in a name becomes '-'. */
const idPart = (text: string | number) => String(text).replace(/[^A-Za-z0-9-]/g, "-");
const iso = (ms: number) => new Date(ms).toISOString();

export function eventBuilders(runbookUrl: string, clock: () => number = Date.now) {
  const runbook = (type: keyof typeof RUNBOOK_ANCHORS) => `${runbookUrl}#${RUNBOOK_ANCHORS[type]}`;
  return {
    keyFlagged(flag: FlaggedKey): NotifyEvent {
      return {
        type: "key-flagged",
        id: `key-flagged-${idPart(flag.accessKeyId)}-${flag.flaggedAt}`,
        time: iso(flag.flaggedAt),
        account: flag.account,
        uin: flag.uin,
        accessKeyId: flag.accessKeyId,
        reason: flag.reason,
        approveCommand: `cam-rotator approve-removal --key ${flag.accessKeyId}`,
        dismissCommand: `cam-rotator dismiss-flag --key ${flag.accessKeyId}`,
        runbook: runbook("key-flagged"),
      };
    },
    /** A rotation fails for good once per job run: the time makes each such end its own event. */
    rotationFailed(failure: { account: string; uin: number; reason: string }): NotifyEvent {
      const now = clock();
      return {
        type: "rotation-failed",
        id: `rotation-failed-${idPart(failure.account)}-${failure.uin}-${now}`,
        time: iso(now),
        account: failure.account,
        uin: failure.uin,
        reason: failure.reason,
        retryCommand: `cam-rotator rotate --account ${failure.account} --uin ${failure.uin}`,
        runbook: runbook("rotation-failed"),
      };
    },
    /** Held keys are looked at again every parkRecheck: one event per key, however many re-checks. */
    retirementHeld(key: { account: string; uin: number; accessKeyId: string; lastUsedAt: number | null }): NotifyEvent {
      return {
        type: "retirement-held",
        id: `retirement-held-${idPart(key.accessKeyId)}`,
        time: iso(clock()),
        account: key.account,
        uin: key.uin,
        accessKeyId: key.accessKeyId,
        lastUsedAt: key.lastUsedAt === null ? null : iso(key.lastUsedAt),
        runbook: runbook("retirement-held"),
      };
    },
    /** Every call fails while credentials are bad: one event per account per hour, whichever replica sees it. */
    camAuthFailing(call: { account: string; action: string; code: string }): NotifyEvent {
      const now = clock();
      return {
        type: "cam-auth-failing",
        id: `cam-auth-failing-${idPart(call.account)}-${Math.floor(now / HOUR_MS)}`,
        time: iso(now),
        account: call.account,
        action: call.action,
        code: call.code,
        runbook: runbook("cam-auth-failing"),
      };
    },
    /** Every replica may notice the same missed slot: the slot makes the id. */
    sweepMissed(account: string, slotMs: number, toleranceMs: number): NotifyEvent {
      return {
        type: "sweep-missed",
        id: `sweep-missed-${idPart(account)}-${slotMs}`,
        time: iso(clock()),
        account,
        slot: iso(slotMs),
        toleranceSeconds: Math.round(toleranceMs / 1000),
        runbook: runbook("sweep-missed"),
      };
    },
    daemonStarted(host: string, pid: number): NotifyEvent {
      const now = clock();
      return { type: "daemon-started", id: `daemon-started-${idPart(host)}-${pid}-${now}`, time: iso(now), host, pid };
    },
    daemonStopped(host: string, pid: number, reason: string): NotifyEvent {
      const now = clock();
      return {
        type: "daemon-stopped",
        id: `daemon-stopped-${idPart(host)}-${pid}-${now}`,
        time: iso(now),
        host,
        pid,
        reason,
      };
    },
    test(target: string): NotifyEvent {
      const now = clock();
      return { type: "test", id: `test-${idPart(target)}-${now}`, time: iso(now), target };
    },
  };
}

export type EventBuilders = ReturnType<typeof eventBuilders>;
