// The vault's request quotas under the same Redis limiter as CAM's calls. AWS Secrets Manager counts requests
// per region in shared pools (50/s for PutSecretValue, UpdateSecret, UpdateSecretVersionStage and the
// replication calls together; 50/s for TagResource and UntagResource), so one key per (region, pool) paces every
// process that shares the Redis and the prefix. The keys are a family of their own, beside the CAM gate's
// per-account keys: `<prefix>:limiter:vault:{<scope>}:<pool>`.
import type { Cluster, Redis } from "ioredis";
import { defineLimiterScripts } from "./scripts.js";
import { admitSlot, gateTiming, slotIntervalUs } from "./slot-admission.js";
import { VaultDeferral } from "../../vault/port.js";

export const VAULT_POOLS = ["writes", "tags"] as const;
export type VaultPool = (typeof VAULT_POOLS)[number];

/** AWS's quotas per region, requests per second (not adjustable). */
export const DEFAULT_VAULT_RATE_LIMITS: Readonly<Record<VaultPool, number>> = { writes: 50, tags: 50 };

/** A rotation's calls from the writes pool: PutSecretValue (stage), then two UpdateSecretVersionStage (promote). */
export const VAULT_WRITES_PER_ROTATION = 3;

/**
 * A staged secret exists only in memory until PutSecretValue stores it; deferring the job there means deleting
 * the new key again. Rotation turns keep the writes pool's queue short, so such a call waits for its slot this
 * long instead of limiter.maxWait.
 */
export const PATIENT_WAIT_MS = 30_000;

/** Rotation turns of a scope run this many turns ahead, like the CAM gate's (a few rotations always ready). */
const VAULT_TURN_LEAD = 2;

/** Thrown by admit() when the pool's next slot is further away than the gate's maxWaitMs: the vault port's deferral. */
export class VaultQuotaDeferral extends VaultDeferral {
  override readonly name: string = "VaultQuotaDeferral";
  constructor(
    readonly scope: string,
    readonly pool: VaultPool,
    retryAfterMs: number
  ) {
    super(retryAfterMs, `vault rate limit for ${pool} in ${scope}: next slot in ${retryAfterMs} ms`);
  }
}

/** As the CAM gate's LimiterEvent: waitMs is the sleep, the retry-after, the new back-off or how late. */
export type VaultLimiterEvent = { scope: string; pool: VaultPool; waitMs: number } &
  /** slotMs: the reserved slot, epoch ms on Redis's clock; the call went out no earlier. */
  ({ kind: "admitted"; slotMs: number } | { kind: "deferred" | "penalized" | "missed" });

export interface VaultQuotaGate {
  /** e.g. "us-east-1", or "us-east-1@http://127.0.0.1:5055" for a non-AWS endpoint. */
  readonly scope: string;
  /**
   * Resolves when one call from `pool` may be sent; rejects with VaultQuotaDeferral beyond maxWaitMs, or beyond
   * patientWaitMs for a `patient` call (one that carries a secret held only in memory: deferring it costs the key).
   */
  admit(pool: VaultPool, options?: { patient?: boolean }): Promise<void>;
  /** The vault answered ThrottlingException although we kept the quota: someone else shares it. */
  penalize(pool: VaultPool): Promise<void>;
  /**
   * Reserves the scope's next rotation turn (reserveTurn-1.lua) and resolves to the milliseconds until it. Turns
   * are VAULT_WRITES_PER_ROTATION write slots apart, so rotations start no faster than the writes pool allows.
   */
  reserveRotationTurn(): Promise<number>;
}

export interface VaultQuotaGateOptions {
  redis: Redis | Cluster;
  prefix: string;
  scope: string;
  /** Requests per second per pool; DEFAULT_VAULT_RATE_LIMITS where absent. */
  limits?: Partial<Record<VaultPool, number>>;
  /** As RedisGateOptions: the wait bound, the penalty and the safety margin, in ms. */
  maxWaitMs?: number;
  /** The wait bound of a patient call. Default PATIENT_WAIT_MS, and never below maxWaitMs. */
  patientWaitMs?: number;
  penaltyMs?: number;
  safetyMarginMs?: number;
  observe?: (event: VaultLimiterEvent) => void;
}

/** Region alone on AWS; region and endpoint elsewhere (each moto or LocalStack counts on its own). */
export function vaultQuotaScope(region: string, endpoint?: string): string {
  return endpoint ? `${region}@${endpoint}` : region;
}

export function vaultLimiterKey(prefix: string, scope: string, pool: VaultPool | "rotationTurn"): string {
  return `${prefix}:limiter:vault:{${scope}}:${pool}`;
}

export function createVaultQuotaGate(options: VaultQuotaGateOptions): VaultQuotaGate {
  if (options.prefix === "") throw new Error("createVaultQuotaGate: prefix must not be empty");
  const timing = gateTiming("createVaultQuotaGate", options);
  const patientTiming = { ...timing, maxWaitMs: Math.max(timing.maxWaitMs, options.patientWaitMs ?? PATIENT_WAIT_MS) };
  const intervals = Object.fromEntries(
    VAULT_POOLS.map((pool) => {
      const limit = options.limits?.[pool] ?? DEFAULT_VAULT_RATE_LIMITS[pool];
      if (!(Number.isFinite(limit) && limit > 0)) {
        throw new Error(
          `createVaultQuotaGate: the ${pool} limit must be a positive number of requests per second, got ${limit}`
        );
      }
      return [pool, slotIntervalUs(limit, timing.safetyMarginMs)];
    })
  ) as Record<VaultPool, number>;
  const scripts = defineLimiterScripts(options.redis);
  const { scope } = options;
  const key = (pool: VaultPool | "rotationTurn") => vaultLimiterKey(options.prefix, scope, pool);
  const emit = (pool: VaultPool, kind: "deferred" | "penalized" | "missed", waitMs: number) =>
    options.observe?.({ scope, pool, kind, waitMs });

  return {
    scope,
    async admit(pool, admitOptions) {
      const admission = await admitSlot(
        (maxWaitUs) => scripts.reserveSlot(key(pool), intervals[pool], maxWaitUs),
        admitOptions?.patient ? patientTiming : timing,
        (lateMs) => emit(pool, "missed", lateMs)
      );
      if (admission.kind === "deferred") {
        emit(pool, "deferred", admission.retryAfterMs);
        throw new VaultQuotaDeferral(scope, pool, admission.retryAfterMs);
      }
      const { waitUs, slotUs } = admission.reservation;
      options.observe?.({ scope, pool, kind: "admitted", waitMs: waitUs / 1000, slotMs: slotUs / 1000 });
    },
    async penalize(pool) {
      const waitUs = await scripts.pushBackSlot(key(pool), Math.round(timing.penaltyMs * 1000));
      emit(pool, "penalized", waitUs / 1000);
    },
    async reserveRotationTurn() {
      const interval = VAULT_WRITES_PER_ROTATION * intervals.writes;
      const turn = await scripts.reserveTurn(key("rotationTurn"), interval, VAULT_TURN_LEAD * interval);
      return turn.waitUs / 1000;
    },
  };
}
