// What a benchmark row measures besides the simulator's counters: Redis work (INFO commandstats, which also
// counts the commands Lua scripts run), Redis memory and CPU, and each rotation's start and end read from the
// engine's event stream while the run goes on (the stream is capped, so it is followed, not read afterwards).
// Round trips are INFO stats' total_reads_processed: one read event per request, or per pipeline that arrives
// in one packet, so commands sent together count once (a large request split across reads would count twice).
import type { Redis } from "ioredis";
import { engineKeys } from "../src/jobs/keys.js";

export interface RedisSample {
  /** Sum of `calls` over every command in INFO commandstats. */
  calls: number;
  byCommand: Record<string, number>;
  /** INFO stats total_reads_processed: the reads Redis served, about one per client round trip. */
  reads: number;
  usedMemory: number;
  cpuMs: number;
}

/** Our own INFO calls count in commandstats too; the caller subtracts them. */
export async function sampleRedis(redis: Redis): Promise<RedisSample> {
  const [stats, memory, cpu, server] = await Promise.all([
    redis.info("commandstats"),
    redis.info("memory"),
    redis.info("cpu"),
    redis.info("stats"),
  ]);
  const byCommand: Record<string, number> = {};
  for (const match of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) byCommand[match[1]!] = Number(match[2]);
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(text)?.[1] ?? 0);
  return {
    calls: Object.values(byCommand).reduce((sum, calls) => sum + calls, 0),
    byCommand,
    reads: field(server, "total_reads_processed"),
    usedMemory: field(memory, "used_memory"),
    cpuMs: (field(cpu, "used_cpu_user") + field(cpu, "used_cpu_sys")) * 1000,
  };
}

/**
 * Bytes held by every key under `prefix` (MEMORY USAGE, exact for small keys); `calls` and `reads` are what it cost
 * us (reads measured from INFO stats around it, so nothing else may use Redis meanwhile; its two INFO included).
 */
export async function prefixMemory(
  redis: Redis,
  prefix: string
): Promise<{ bytes: number; keys: number; calls: number; reads: number }> {
  const readsBefore = await totalReads(redis);
  let cursor = "0";
  let bytes = 0;
  let keys = 0;
  let calls = 2;
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1_000);
    calls++;
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of batch) pipeline.memory("USAGE", key, "SAMPLES", "0");
    for (const [error, usage] of (await pipeline.exec()) ?? []) {
      if (!error) bytes += Number(usage ?? 0);
    }
    calls += batch.length;
    keys += batch.length;
  } while (cursor !== "0");
  return { bytes, keys, calls, reads: (await totalReads(redis)) - readsBefore + 1 };
}

async function totalReads(redis: Redis): Promise<number> {
  return Number(/^total_reads_processed:(\d+)/m.exec(await redis.info("stats"))?.[1] ?? 0);
}

/** Commands between two samples, without the 4 INFO calls of each sample and `ownCalls` of the caller's own. */
export function callsBetween(before: RedisSample, after: RedisSample, ownCalls = 0): number {
  return after.calls - before.calls - 4 - ownCalls;
}

/** Round trips (reads) between two samples, without the sample's own (at most 4) and `ownReads` of the caller's. */
export function readsBetween(before: RedisSample, after: RedisSample, ownReads = 0): number {
  return after.reads - before.reads - 4 - ownReads;
}

export interface RotationTimes {
  /** First event of the user's rotation (rotation-started, in inspect): its account's turn had come and a worker ran it. */
  start: number;
  /** rotation-completed; undefined while it runs. */
  end?: number;
  failed?: boolean;
}

/** Follows `<prefix>:rotator:events` and records, per account/uin, when its rotation started and ended. */
export class EventFollower {
  readonly rotations = new Map<string, RotationTimes>();
  /** XRANGE calls made, so the caller can take them out of the command count. */
  calls = 0;
  private cursor = "-";
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string
  ) {
    this.key = engineKeys(prefix).events;
  }

  async poll(): Promise<void> {
    for (;;) {
      this.calls++;
      const entries = await this.redis.xrange(this.key, this.cursor, "+", "COUNT", 5_000);
      for (const [id, fields] of entries) {
        this.cursor = `(${id}`;
        this.take(fields);
      }
      if (entries.length < 5_000) return;
    }
  }

  done(): number {
    let count = 0;
    for (const times of this.rotations.values()) if (times.end !== undefined) count++;
    return count;
  }

  failed(): number {
    let count = 0;
    for (const times of this.rotations.values()) if (times.failed) count++;
    return count;
  }

  private take(fields: string[]): void {
    const get = (name: string) => fields[fields.indexOf(name) + 1];
    const time = Number(get("time"));
    const who = `${get("account")}/${get("uin")}`;
    const type = get("type");
    if (get("uin") === "0") return; // Account-level events (sweeps).
    const times = this.rotations.get(who) ?? { start: time };
    this.rotations.set(who, times);
    if (type === "rotation-completed") times.end ??= time;
    if (type === "rotation-failed") times.failed = true;
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Completions per second between the first and the last completion. */
export function steadyRate(ends: number[]): number {
  if (ends.length < 2) return 0;
  const first = Math.min(...ends);
  const last = Math.max(...ends);
  return last > first ? (ends.length - 1) / ((last - first) / 1000) : 0;
}

export const round = (value: number, digits = 2): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};
