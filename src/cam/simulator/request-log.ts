// Every API request the simulator received, and per-action counters. Entries carry key ids, never secrets.
import type { Fault } from "./faults.js";

export interface LoggedRequest {
  /** Epoch ms when the request was admitted or refused; the rate window uses the same instant. */
  t: number;
  /** X-TC-Action as sent ("" when absent). */
  action: string;
  /** The SecretId named in the Authorization header, when it could be read. */
  secretId: string | null;
  /** The user the request acted on (the caller when TargetUin was empty); null when none or not reached. */
  targetUin: number | null;
  /** "OK", the error code answered, or for http/garbage faults "Fault.HttpStatus503" / "Fault.Garbage". */
  outcome: string;
  requestId: string;
  /** The fault applied to this request, if any. */
  fault?: Fault["fault"];
}

export interface ActionCounters {
  ok: number;
  /** Refused by the rate window (not RequestLimitExceeded injected as a fault). */
  throttled: number;
  errors: Record<string, number>;
}

export const THROTTLED = "RequestLimitExceeded";

export class RequestLog {
  private log: LoggedRequest[] = [];
  private counts = new Map<string, ActionCounters>();

  record(entry: LoggedRequest): void {
    this.log.push(entry);
    const counters = this.counts.get(entry.action) ?? { ok: 0, throttled: 0, errors: {} };
    if (entry.outcome === "OK") counters.ok += 1;
    else if (entry.outcome === THROTTLED && entry.fault === undefined) counters.throttled += 1;
    else counters.errors[entry.outcome] = (counters.errors[entry.outcome] ?? 0) + 1;
    this.counts.set(entry.action, counters);
  }

  entries(): LoggedRequest[] {
    return this.log.map((entry) => ({ ...entry }));
  }

  counters(): Record<string, ActionCounters> {
    return Object.fromEntries([...this.counts].map(([action, c]) => [action, { ...c, errors: { ...c.errors } }]));
  }

  clear(): void {
    this.log = [];
    this.counts = new Map();
  }
}
