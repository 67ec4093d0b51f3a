// The Redis-backed CallGate: evenly spaced admission per (limiter identity, action), counted across every process
// that shares the Redis and the prefix. The decision lives in reserveSlot-1.lua and pushBackSlot-1.lua; this file
// picks the key and the interval, sleeps until the reserved slot, and turns a far slot into a LimiterDeferral.
import type { Cluster, Redis } from "ioredis";
import { DEFAULT_RATE_LIMITS, type CamAction } from "../actions.js";
import { LimiterDeferral, type CallGate } from "./gate.js";
import { defineLimiterScripts, type Reservation } from "./scripts.js";
import { admitSlot, gateTiming, slotIntervalUs } from "./slot-admission.js";

export { GATE_DEFAULTS, slotIntervalUs } from "./slot-admission.js";

export type LimiterEventKind = LimiterEvent["kind"];

export type LimiterEvent = {
  account: string;
  action: CamAction;
  /** admitted: how long the call slept for its slot; deferred: the retry-after; penalized: the new back-off. */
  waitMs: number;
} & (
  | {
      kind: "admitted";
      /** The reserved slot, epoch ms on Redis's clock; the call went out no earlier. */
      slotMs: number;
    }
  | { kind: "deferred" }
  | { kind: "penalized" }
  /**
   * The caller could not send within half the safety margin after its slot (its timer woke late, or the reply sat
   * unread on a busy event loop) and took a new one (waitMs: how late, at most).
   */
  | { kind: "missed" }
);

export interface RedisGateOptions {
  /** ioredis connection (or Cluster). The gate defines two custom commands on it. */
  redis: Redis | Cluster;
  /** Every process that must count together uses the same prefix, e.g. "cam-rotator". */
  prefix: string;
  /**
   * Whose quota an account's calls count against: the key's hash tag. Default the account name; the daemon passes
   * the Tencent owner UIN ("owner-<uin>"), so config entries and deployments that reach one owner share its windows.
   */
  limiterIdOf?: (account: string) => string | Promise<string>;
  /** Calls per second for one account and action. Default: DEFAULT_RATE_LIMITS[action]. */
  limitFor?: (account: string, action: CamAction) => number;
  /** admit() sleeps for a slot up to this long; a slot further away throws LimiterDeferral. Default 2000. */
  maxWaitMs?: number;
  /** penalize() moves the pair's next free slot to at least now + this. Default 1000. */
  penaltyMs?: number;
  /**
   * Jitter allowance per rolling second: slots are (1000 + margin) / limit ms apart, so any N + 1 slots span at
   * least 1000 + margin ms. The bound holds at CAM as long as no call arrives more than `margin` ms later
   * after its slot than the call N slots after it. Costs margin / (1000 + margin) of throughput. Default 20
   * (2%). Measured slot-to-arrival delay at the local simulator on a busy 2-core host: p50 ~5 ms, p99 ~13 ms;
   * p99 ~45 ms when the host is overloaded. Raise it for a jittery network path. admit() spends half of it (at
   * least 5 ms) on how late the caller's timer may wake after its slot; a later caller leaves its slot unused.
   */
  safetyMarginMs?: number;
  observe?: (event: LimiterEvent) => void;
}

export interface RedisGate extends CallGate {
  /**
   * Reserves the account's next rotation turn (reserveTurn-1.lua) and resolves to the milliseconds until it.
   * Turns are spaced like the account's CreateAccessKey slots and run TURN_LEAD_SLOTS of them ahead.
   */
  reserveRotationTurn(account: string): Promise<number>;
}

/**
 * How many CreateAccessKey slots ahead a rotation turn starts: enough that a rotation or two is always queued at
 * the CreateAccessKey gate when its slot comes (the steps before it take a fraction of a slot), few enough that
 * an account holds only a handful of worker slots: about rate x (lead + one rotation's work).
 */
const TURN_LEAD_SLOTS = 2;

/**
 * One key per limiter identity (see limiterIdOf) and action. The identity is the hash tag, so one owner's keys
 * share a Cluster slot; a prefix with its own tag (BullMQ style, "{cam-rotator}") wins instead, which is fine too: each script call
 * touches one key only.
 */
export function limiterKey(prefix: string, limiterId: string, action: CamAction | "rotationTurn"): string {
  return `${prefix}:limiter:{${limiterId}}:${action}`;
}

export function createRedisGate(options: RedisGateOptions): RedisGate {
  if (options.prefix === "") throw new Error("createRedisGate: prefix must not be empty");
  const timing = gateTiming("createRedisGate", options);
  const limitFor = options.limitFor ?? ((_account: string, action: CamAction) => DEFAULT_RATE_LIMITS[action]);
  const scripts = defineLimiterScripts(options.redis);
  const limiterIdOf = options.limiterIdOf ?? ((account: string) => account);
  const keyOf = async (account: string, action: CamAction | "rotationTurn") =>
    limiterKey(options.prefix, await limiterIdOf(account), action);
  const emit = (account: string, action: CamAction, kind: "deferred" | "penalized" | "missed", waitMs: number) =>
    options.observe?.({ account, action, kind, waitMs });
  const emitAdmitted = (account: string, action: CamAction, reservation: Reservation) =>
    options.observe?.({
      account,
      action,
      kind: "admitted",
      waitMs: reservation.waitUs / 1000,
      slotMs: reservation.slotUs / 1000,
    });

  function intervalUs(account: string, action: CamAction): number {
    const limit = limitFor(account, action);
    if (!(Number.isFinite(limit) && limit > 0)) {
      throw new Error(
        `rate limit for ${action} on account ${account} must be a positive number of calls per second, got ${limit}`
      );
    }
    return slotIntervalUs(limit, timing.safetyMarginMs);
  }

  /** Resolves the key (which may wait for the owner UIN) before the reservation, so that wait is never taken for lateness. */
  async function reserver(account: string, action: CamAction): Promise<(maxWaitUs: number) => Promise<Reservation>> {
    const key = await keyOf(account, action);
    const interval = intervalUs(account, action);
    return (maxWaitUs) => scripts.reserveSlot(key, interval, maxWaitUs);
  }

  return {
    async admit(account, action) {
      const admission = await admitSlot(await reserver(account, action), timing, (lateMs) =>
        emit(account, action, "missed", lateMs)
      );
      if (admission.kind === "deferred") {
        emit(account, action, "deferred", admission.retryAfterMs);
        throw new LimiterDeferral(account, action, admission.retryAfterMs);
      }
      emitAdmitted(account, action, admission.reservation);
    },

    async reserveRotationTurn(account) {
      const interval = intervalUs(account, "CreateAccessKey");
      const turn = await scripts.reserveTurn(
        await keyOf(account, "rotationTurn"),
        interval,
        TURN_LEAD_SLOTS * interval
      );
      return turn.waitUs / 1000;
    },

    async penalize(account, action) {
      const waitUs = await scripts.pushBackSlot(await keyOf(account, action), Math.round(timing.penaltyMs * 1000));
      emit(account, action, "penalized", waitUs / 1000);
    },
  };
}
