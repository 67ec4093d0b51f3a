// Operator actions (pause, resume, retry-failed, approve-removal, dismiss-flag, rotate, sweep), attributed to the
// OS user and host that ran them. Each lands in the rotation event stream (so `events` shows it in context) and
// in a separate audit stream with a far larger cap, so that routine events never push an audit entry out.
import { hostname, userInfo } from "node:os";
import type { EventLog, RotationEvent } from "./events.js";

/** Roughly this many audit entries are kept (XADD MAXLEN ~): years of operator actions. */
export const AUDIT_STREAM_MAX = 1_000_000;

export type OperatorActionName =
  "pause" | "resume" | "retry-failed" | "approve-removal" | "dismiss-flag" | "rotate" | "sweep" | "vault-adopt";

export interface OperatorAction {
  action: OperatorActionName;
  account?: string;
  uin?: number;
  keyId?: string;
  /** What it did, e.g. "3 rotations enqueued"; ids and counts only. */
  detail?: string;
}

export interface Operator {
  user: string;
  host: string;
  pid: number;
}

/** Who runs this process: the OS user (its uid when the name cannot be read) and the host. */
export function currentOperator(): Operator {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = `uid ${process.getuid?.() ?? "unknown"}`;
  }
  return { user, host: hostname(), pid: process.pid };
}

/** Appends the action to both streams; returns the event as stored in the audit stream. */
export async function recordOperatorAction(
  streams: { events: EventLog; audit: EventLog },
  action: OperatorAction,
  operator: Operator = currentOperator()
): Promise<Omit<RotationEvent, "id" | "time">> {
  const entry = {
    account: action.account ?? "",
    uin: action.uin ?? 0,
    step: "operator",
    type: `operator-${action.action}`,
    ...(action.keyId ? { keyId: action.keyId } : {}),
    detail: `by ${operator.user}@${operator.host} (pid ${operator.pid})${action.detail ? `: ${action.detail}` : ""}`,
  };
  await Promise.all([streams.audit.append(entry), streams.events.append(entry)]);
  return entry;
}
