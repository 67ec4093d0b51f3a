// The fleet check: every daemon publishes its config fingerprint (config-fingerprint.ts) under the shared prefix,
// kept alive by a heartbeat with a TTL, and reads the others'. While any live daemon's fingerprint differs from
// its own, it refuses to act: the caller pauses its worker and its schedules, and /readyz says why. Refusal is
// symmetric (each side sees the other), so neither half of a mixed fleet acts; it ends when the other
// fingerprints go away (a daemon deletes its own on shutdown; a killed one's expires after the TTL).
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";
import { differingSections, type ConfigFingerprint } from "./config-fingerprint.js";

export interface FleetGuardOptions {
  redis: Redis;
  prefix: string;
  fingerprint: ConfigFingerprint;
  log: Logger;
  /** How long a fingerprint stays live without a heartbeat. Default 30000. */
  ttlMs?: number;
  /** Heartbeat and check period. Default a third of the TTL. */
  intervalMs?: number;
  /** Hears the first verdict and every change: a refusal reason, or null when the fleet agrees. */
  onChange?: (refusal: string | null) => void | Promise<void>;
}

export interface FleetGuard {
  /** Why this daemon refuses to act, or null while every live fingerprint equals its own. */
  refusal(): string | null;
  /** Live daemons whose fingerprint differs (the metric). */
  disagreeing(): number;
  /** Publishes and checks once, then keeps doing so every interval. */
  start(): Promise<void>;
  /** Stops the heartbeat and withdraws this daemon's fingerprint. */
  stop(): Promise<void>;
}

interface Member extends ConfigFingerprint {
  id: string;
  host: string;
  pid: number;
}

export const DEFAULT_FLEET_TTL_MS = 30_000;

export function createFleetGuard(options: FleetGuardOptions): FleetGuard {
  const { redis, log, fingerprint } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_FLEET_TTL_MS;
  const intervalMs = options.intervalMs ?? Math.ceil(ttlMs / 3);
  const membersKey = `${options.prefix}:fleet:members`;
  const memberKey = (id: string) => `${options.prefix}:fleet:member:${id}`;
  const me: Member = {
    ...fingerprint,
    id: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    host: hostname(),
    pid: process.pid,
  };
  let verdict: { refusal: string | null; disagreeing: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;

  async function check(): Promise<void> {
    await redis.multi().set(memberKey(me.id), JSON.stringify(me), "PX", ttlMs).sadd(membersKey, me.id).exec();
    const ids = (await redis.smembers(membersKey)).filter((id) => id !== me.id);
    const values = ids.length > 0 ? await redis.mget(ids.map(memberKey)) : [];
    const gone = ids.filter((_, index) => values[index] === null);
    if (gone.length > 0) await redis.srem(membersKey, ...gone);
    const differing = values
      .flatMap((value) => (value === null ? [] : [parseMember(value)]))
      .filter((other) => other === undefined || other.hash !== me.hash);
    const refusal = differing.length === 0 ? null : describe(differing);
    if (verdict !== undefined && verdict.refusal === refusal) return;
    const first = verdict === undefined;
    verdict = { refusal, disagreeing: differing.length };
    if (refusal) {
      log.error(
        { alert: "config-drift", fingerprint: me.hash, others: differing.map((other) => other?.id ?? "unreadable") },
        `refusing to act: ${refusal}`
      );
    } else if (!first) {
      log.info({ fingerprint: me.hash }, "the fleet's configs agree again: taking jobs and firing schedules");
    }
    await options.onChange?.(refusal);
  }

  function describe(differing: Array<Member | undefined>): string {
    const others = differing.map((other) =>
      other === undefined
        ? "a daemon whose fingerprint is unreadable"
        : `${other.host} pid ${other.pid} (fingerprint ${other.hash}, differs in ${differingSections(me, other).join(", ") || "sections this version does not know"})`
    );
    return (
      `config differs from ${differing.length} live daemon(s) sharing prefix "${options.prefix}": ${others.join("; ")}; ` +
      `this daemon's fingerprint is ${me.hash}`
    );
  }

  const tick = () => {
    checking ??= check()
      .catch((error: unknown) => log.warn({ err: error }, "fleet config check failed; keeping the last verdict"))
      .finally(() => {
        checking = undefined;
      });
  };

  return {
    refusal: () => verdict?.refusal ?? null,
    disagreeing: () => verdict?.disagreeing ?? 0,
    async start() {
      await check();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await checking;
      await redis
        .multi()
        .del(memberKey(me.id))
        .srem(membersKey, me.id)
        .exec()
        .catch(() => undefined);
    },
  };
}

function parseMember(text: string): Member | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<Member>;
    return typeof parsed.hash === "string" && typeof parsed.sections === "object" ? (parsed as Member) : undefined;
  } catch {
    return undefined;
  }
}
