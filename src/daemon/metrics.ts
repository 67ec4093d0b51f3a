// The daemon's Prometheus metrics, on a registry of its own (not prom-client's global one, so that two daemons
// in one process, as in tests, do not collide). Counters are fed by observer hooks; gauges that describe shared
// state (queue depth, flags, key ages) are read from their sources at scrape time.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CamCallObservation } from "../cam/client.js";
import type { LimiterEvent } from "../cam/limiter/redis-gate.js";
import type { EngineObserver, FlaggedKey, RotationOutcome } from "../jobs/engine/face.js";
import type { FireOutcome } from "./schedules.js";

export interface MetricSources {
  /** Job counts by BullMQ state, for the whole queue (every replica sees the same numbers). */
  queueCounts(): Promise<Record<string, number>>;
  flags(): Promise<FlaggedKey[]>;
  /** Per account: age in seconds of the oldest key the vault holds as current; null when unknown. */
  oldestKeyAgeSeconds(): Promise<Record<string, number | null>>;
  /**
   * Per account: pre-existing keys still used after the rotator's first key became current (src/jobs/legacy.ts);
   * absent, the gauge is not exported. It costs CAM calls, so the daemon passes a cached reader.
   */
  preexistingKeysInUse?(): Promise<Record<string, number>>;
  /** Whether this process can take jobs now (what /readyz answers); absent, the gauge is not exported. */
  ready?(): Promise<boolean>;
  /** Per account: maxKeyAgeDays in seconds, so alert rules compare ages with the configured maximum. */
  maxKeyAgeSeconds?: Record<string, number>;
  /** Epoch ms, for the flags' waiting time; default Date.now. */
  clock?: () => number;
  /** Live daemons on the same prefix whose config fingerprint differs from this one's (0: the fleet agrees). */
  configDrift?(): number;
}

export interface RotatorMetrics {
  readonly registry: Registry;
  /** Hooks for the rotation engine. */
  readonly engineObserver: EngineObserver;
  camCall(observation: CamCallObservation): void;
  limiter(event: LimiterEvent): void;
  scheduleFired(account: string, outcome: FireOutcome): void;
  /** This host's clock minus CAM's, measured at start-up (clock-skew.ts). */
  clockSkew(account: string, skewSec: number): void;
}

const PREFIX = "cam_rotator_";

export function createMetrics(sources: MetricSources, options: { defaultMetrics?: boolean } = {}): RotatorMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];
  const sourceErrors = new Counter({
    name: `${PREFIX}metrics_source_errors_total`,
    help: "Scrape-time reads of shared state that failed",
    labelNames: ["source"],
    registers,
  });

  /** Reads one source at scrape time; on failure the gauge is left empty and the error counted. */
  const readInto =
    <T>(source: string, read: () => Promise<T>, apply: (value: T) => void) =>
    async () => {
      try {
        apply(await read());
      } catch {
        sourceErrors.inc({ source });
      }
    };

  const rotations = new Counter({
    name: `${PREFIX}rotations_total`,
    help: "Finished rotations by result",
    labelNames: ["account", "result"],
    registers,
  });
  const camCalls = new Counter({
    name: `${PREFIX}cam_calls_total`,
    help: "CAM API calls by action and response code (OK or the error code)",
    labelNames: ["account", "action", "code"],
    registers,
  });
  const camDuration = new Histogram({
    name: `${PREFIX}cam_call_duration_seconds`,
    help: "CAM API call latency",
    labelNames: ["account", "action"],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const limiterWaits = new Counter({
    name: `${PREFIX}limiter_waits_total`,
    help: "CAM calls that waited for a rate-limit slot",
    labelNames: ["account", "action"],
    registers,
  });
  const limiterWaitSeconds = new Histogram({
    name: `${PREFIX}limiter_wait_seconds`,
    help: "Time a CAM call waited for its rate-limit slot",
    labelNames: ["account", "action"],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2],
    registers,
  });
  const limiterDeferrals = new Counter({
    name: `${PREFIX}limiter_deferrals_total`,
    help: "Jobs sent back to delayed because their rate-limit slot was too far away",
    labelNames: ["account", "action"],
    registers,
  });
  const limiterThrottles = new Counter({
    name: `${PREFIX}limiter_throttles_total`,
    help: "RequestLimitExceeded answers from CAM (someone else shares the quota)",
    labelNames: ["account", "action"],
    registers,
  });
  const limiterMissed = new Counter({
    name: `${PREFIX}limiter_missed_slots_total`,
    help: "Rate-limit slots left unused because the caller was too late for them (an overloaded host)",
    labelNames: ["account", "action"],
    registers,
  });
  const flaggedTotal = new Counter({
    name: `${PREFIX}keys_flagged_total`,
    help: "Keys flagged for removal by this process",
    labelNames: ["account", "reason"],
    registers,
  });
  const retirementsHeld = new Counter({
    name: `${PREFIX}retirements_held_total`,
    help: "Old keys whose deactivation was held because they were used after they stopped being current (an alert)",
    labelNames: ["account"],
    registers,
  });
  const recordsRejected = new Counter({
    name: `${PREFIX}records_rejected_total`,
    help: "Redis records (progress, flag) ignored because they fail their MAC: forged or damaged (an alert)",
    labelNames: ["kind"],
    registers,
  });
  const vaultAlerts = new Counter({
    name: `${PREFIX}vault_alerts_total`,
    help: "Rotations stopped because their vault is not the one the attempt wrote to, or its secret disappeared (an alert)",
    labelNames: ["account", "reason"],
    registers,
  });
  const unknownAccountJobs = new Counter({
    name: `${PREFIX}unknown_account_jobs_total`,
    help: "Jobs handed back because this process's config lacks their account (configs differ across the fleet: an alert)",
    labelNames: ["account", "job"],
    registers,
  });
  const jobLocksLost = new Counter({
    name: `${PREFIX}job_locks_lost_total`,
    help: "Runs that stopped before a write because another worker owns their job now (lock not renewed in time)",
    labelNames: ["account", "job"],
    registers,
  });
  const scheduleFires = new Counter({
    name: `${PREFIX}schedule_fires_total`,
    help: "Schedule slots seen by this process: enqueued (won the slot), not-elected (another replica did), duplicate, error",
    labelNames: ["account", "outcome"],
    registers,
  });

  const clock = sources.clock ?? Date.now;
  // Both flag gauges come from one read per scrape (prom-client collects gauges concurrently).
  const readFlags = sharedWhileInFlight(sources.flags);
  const clockSkew = new Gauge({
    name: `${PREFIX}clock_skew_seconds`,
    help: "This host's clock minus CAM's (Date header at start-up); CAM refuses signatures past 300 s",
    labelNames: ["account"],
    registers,
  });

  new Gauge({
    name: `${PREFIX}flagged_keys`,
    help: "Keys currently flagged for removal, by status",
    labelNames: ["account", "status"],
    registers,
    collect: async function collect() {
      await readInto("flags", readFlags, (flags) => {
        this.reset();
        for (const flag of flags) this.inc({ account: flag.account, status: flag.status });
      })();
    },
  });
  new Gauge({
    name: `${PREFIX}flag_oldest_pending_seconds`,
    help: "How long the oldest pending flag of each account has waited for an operator",
    labelNames: ["account"],
    registers,
    collect: async function collect() {
      // Errors are counted once, by flagged_keys.
      const flags = await readFlags().catch(() => null);
      this.reset();
      if (!flags) return;
      const oldest = new Map<string, number>();
      for (const flag of flags) {
        if (flag.status === "pending")
          oldest.set(flag.account, Math.min(oldest.get(flag.account) ?? Infinity, flag.flaggedAt));
      }
      for (const [account, since] of oldest) this.set({ account }, Math.max(0, (clock() - since) / 1000));
    },
  });
  if (sources.maxKeyAgeSeconds) {
    const maxAge = new Gauge({
      name: `${PREFIX}max_key_age_seconds`,
      help: "The configured maxKeyAgeDays per account, in seconds",
      labelNames: ["account"],
      registers,
    });
    for (const [account, seconds] of Object.entries(sources.maxKeyAgeSeconds)) maxAge.set({ account }, seconds);
  }
  const ready = sources.ready;
  if (ready) {
    new Gauge({
      name: `${PREFIX}ready`,
      help: "1 while this process can take jobs (what /readyz answers), else 0",
      registers,
      collect: async function collect() {
        let value = 0;
        try {
          value = (await ready()) ? 1 : 0;
        } catch {
          /* not ready */
        }
        this.set(value);
      },
    });
  }
  new Gauge({
    name: `${PREFIX}queue_jobs`,
    help: "Jobs in the rotations queue by state",
    labelNames: ["state"],
    registers,
    collect: async function collect() {
      await readInto("queue", sources.queueCounts, (counts) => {
        this.reset();
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      })();
    },
  });
  new Gauge({
    name: `${PREFIX}oldest_current_key_age_seconds`,
    help: "Age of the oldest current key per account",
    labelNames: ["account"],
    registers,
    collect: async function collect() {
      await readInto("key-ages", sources.oldestKeyAgeSeconds, (ages) => {
        this.reset();
        for (const [account, age] of Object.entries(ages)) if (age !== null) this.set({ account }, age);
      })();
    },
  });

  const preexistingInUse = sources.preexistingKeysInUse;
  if (preexistingInUse) {
    new Gauge({
      name: `${PREFIX}preexisting_keys_in_use`,
      help: "Keys held before the rotator's first key and used since (applications still on an old key; `cam-rotator legacy` names them)",
      labelNames: ["account"],
      registers,
      collect: async function collect() {
        await readInto("preexisting", preexistingInUse, (counts) => {
          this.reset();
          for (const [account, count] of Object.entries(counts)) this.set({ account }, count);
        })();
      },
    });
  }

  new Gauge({
    name: `${PREFIX}config_drift`,
    help: "Live daemons sharing this prefix whose config fingerprint differs from this daemon's; above 0 it refuses to act (an alert)",
    registers,
    collect() {
      this.set(sources.configDrift?.() ?? 0);
    },
  });

  return {
    registry,
    engineObserver: {
      rotationFinished: (outcome: RotationOutcome) => rotations.inc({ account: outcome.account, result: outcome.kind }),
      keyFlagged: (flag: FlaggedKey) => flaggedTotal.inc({ account: flag.account, reason: flag.reason }),
      retirementHeld: (key) => retirementsHeld.inc({ account: key.account }),
      recordRejected: (kind) => recordsRejected.inc({ kind }),
      vaultAlert: (alert) => vaultAlerts.inc({ account: alert.account, reason: alert.reason }),
      unknownAccount: (account, job) => unknownAccountJobs.inc({ account, job }),
      jobLockLost: (account, job) => jobLocksLost.inc({ account, job }),
    },
    camCall(observation) {
      camCalls.inc({ account: observation.account, action: observation.action, code: observation.code });
      camDuration.observe({ account: observation.account, action: observation.action }, observation.durationMs / 1000);
    },
    limiter(event) {
      const labels = { account: event.account, action: event.action };
      switch (event.kind) {
        case "admitted":
          if (event.waitMs > 0) {
            limiterWaits.inc(labels);
            limiterWaitSeconds.observe(labels, event.waitMs / 1000);
          }
          return;
        case "deferred":
          limiterDeferrals.inc(labels);
          return;
        case "penalized":
          limiterThrottles.inc(labels);
          return;
        case "missed":
          limiterMissed.inc(labels);
          return;
        default:
          return assertNever(event);
      }
    },
    scheduleFired: (account, outcome) => scheduleFires.inc({ account, outcome }),
    clockSkew: (account, skewSec) => clockSkew.set({ account }, skewSec),
  };
}

/** Callers that arrive while a read is in flight share it; the next call after it settles reads afresh. */
function sharedWhileInFlight<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () =>
    (inFlight ??= read().finally(() => {
      inFlight = null;
    }));
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${String(value)}`);
}
