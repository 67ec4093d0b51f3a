// The event log: every transition of a rotation, retirement or flag appends one entry to a capped Redis stream
// that the CLI reads and follows. Entries carry ids, steps and reasons, never a secret (P4).
import type { Redis } from "ioredis";

/** One entry of the capped event stream. Account-level events (a sweep) carry uin 0. */
export interface RotationEvent {
  id: string;
  time: number;
  account: string;
  uin: number;
  step: string;
  type: string;
  keyId?: string;
  detail?: string;
}

/** Roughly this many entries are kept (XADD MAXLEN ~). */
export const EVENT_STREAM_MAX = 10_000;

export type NewEvent = Omit<RotationEvent, "id" | "time">;

export interface EventLog {
  append(event: NewEvent): Promise<string>;
  /**
   * After `after` (exclusive) the next `count`; or from `fromTime` (epoch ms, inclusive) the next `count`;
   * otherwise the latest `count`, oldest first.
   */
  read(options?: { after?: string; fromTime?: number; count?: number }): Promise<RotationEvent[]>;
  follow(signal: AbortSignal, after?: string): AsyncIterable<RotationEvent>;
}

/** `maxLength`: the cap (default EVENT_STREAM_MAX); the audit stream keeps far more. */
export function createEventLog(
  redis: Redis,
  streamKey: string,
  clock: () => number,
  maxLength = EVENT_STREAM_MAX
): EventLog {
  return {
    async append(event) {
      const fields = [
        "time",
        String(clock()),
        "account",
        event.account,
        "uin",
        String(event.uin),
        "step",
        event.step,
        "type",
        event.type,
      ];
      if (event.keyId !== undefined) fields.push("keyId", event.keyId);
      if (event.detail !== undefined) fields.push("detail", event.detail);
      return (await redis.xadd(streamKey, "MAXLEN", "~", String(maxLength), "*", ...fields)) ?? "";
    },
    async read(options = {}) {
      const count = options.count ?? 100;
      if (options.after !== undefined) {
        return (await redis.xrange(streamKey, `(${options.after}`, "+", "COUNT", count)).map(toEvent);
      }
      if (options.fromTime !== undefined) {
        return (
          await redis.xrange(streamKey, String(Math.max(0, Math.floor(options.fromTime))), "+", "COUNT", count)
        ).map(toEvent);
      }
      return (await redis.xrevrange(streamKey, "+", "-", "COUNT", count)).map(toEvent).reverse();
    },
    follow(signal, after) {
      return followStream(redis, streamKey, signal, after);
    },
  };
}

async function* followStream(
  redis: Redis,
  streamKey: string,
  signal: AbortSignal,
  after?: string
): AsyncIterable<RotationEvent> {
  // XREAD BLOCK holds its connection, so following uses a connection of its own.
  const reader = redis.duplicate();
  const stop = () => reader.disconnect();
  signal.addEventListener("abort", stop, { once: true });
  try {
    // "$" would mean "after the newest entry" anew on every call, losing entries that land between two reads.
    let cursor = after ?? (await redis.xrevrange(streamKey, "+", "-", "COUNT", 1))[0]?.[0] ?? "0-0";
    while (!signal.aborted) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = await reader.xread("COUNT", 100, "BLOCK", 1000, "STREAMS", streamKey, cursor);
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      for (const [, entries] of reply ?? []) {
        for (const entry of entries) {
          cursor = entry[0];
          yield toEvent(entry);
        }
      }
    }
  } finally {
    signal.removeEventListener("abort", stop);
    reader.disconnect();
  }
}

function toEvent([id, fields]: [string, string[]]): RotationEvent {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const keyId = map.get("keyId");
  const detail = map.get("detail");
  return {
    id,
    time: Number(map.get("time") ?? 0),
    account: map.get("account") ?? "",
    uin: Number(map.get("uin") ?? 0),
    step: map.get("step") ?? "",
    type: map.get("type") ?? "",
    ...(keyId === undefined ? {} : { keyId }),
    ...(detail === undefined ? {} : { detail }),
  };
}
