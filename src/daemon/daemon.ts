// `cam-rotator worker`: the BullMQ worker, each account's schedule, the key-age sampler, the HTTP endpoint and
// the fleet check (fleet-guard.ts: no job is taken and no schedule fires while daemons sharing the prefix run
// differing configs), started from the config and stopped in reverse order. Signals are wired by the caller (signals.ts) so that
// tests and the demo can run a daemon in-process.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import cron from "node-cron";
import type { Config } from "../config/index.js";
import type { EngineWorker } from "../jobs/engine/face.js";
import { lagWarning } from "../jobs/last-use-lag.js";
import type { Logger } from "../log.js";
import { configFingerprint } from "./config-fingerprint.js";
import { createFleetGuard, type FleetGuard } from "./fleet-guard.js";
import { checkClockSkew } from "./clock-skew.js";
import { assertNotifyEnvironment } from "../notify/credentials.js";
import { createDaemonNotifications } from "../notify/start.js";
import { combineObservers } from "./combined-observer.js";
import { startHttpServer, type RunningHttpServer } from "./http-server.js";
import { preexistingInUseReader } from "./preexisting-in-use.js";
import { startKeyAgeSampler, type KeyAgeSampler } from "./key-ages.js";
import { createMetrics, type RotatorMetrics } from "./metrics.js";
import { connectRedis } from "./redis.js";
import { createRedisRunCoordinator } from "./run-coordinator.js";
import { assertCredentials, assertRecordKey, openRuntime, recordKeyFrom, type Runtime } from "./open-runtime.js";
import { startSchedules, type FireOutcome, type Schedules } from "./schedules.js";

export interface DaemonOptions {
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Serve /healthz, /readyz and /metrics (default true). */
  http?: boolean;
  /** Run the account schedules (default true); the demo triggers its sweep itself. */
  schedules?: boolean;
  onFire?: (account: string, slot: number, outcome: FireOutcome) => void;
  /** The fleet check's heartbeat (tests shorten it); default a 30 s TTL refreshed every 10 s. */
  fleet?: { ttlMs?: number; intervalMs?: number };
}

export interface Daemon {
  readonly runtime: Runtime;
  readonly fleet: FleetGuard;
  readonly metrics: RotatorMetrics;
  readonly http: RunningHttpServer | null;
  /** Takes no new jobs, lets active ones finish or hands them back within worker.shutdownTimeout. Idempotent. */
  shutdown(reason: string): Promise<void>;
}

/**
 * Queued notifications (the stop message among them) get this long after the worker stopped; what is left is
 * delivered by another replica or at the next start. Within the 10 s that signals.ts allows past shutdownTimeout,
 * with the worker's own 5 s hand-back.
 */
const NOTIFY_CLOSE_GRACE_MS = 3_000;

export async function startDaemon(config: Config, options: DaemonOptions): Promise<Daemon> {
  const { log } = options;
  assertCredentials(config, options.env);
  assertRecordKey(config, options.env);
  if (!recordKeyFrom(options.env ?? process.env))
    log.warn(
      "no record key (redis.requireRecordKey: false): approvals and progress records in Redis are not authenticated"
    );
  for (const [index, account] of config.accounts.entries()) {
    const warning = lagWarning(account.retire);
    if (warning) log.warn({ account: account.name }, `accounts[${index}].${warning}`);
  }
  assertNotifyEnvironment(config.notify, options.env);
  let runtime: Runtime | undefined;
  let keyAges: KeyAgeSampler | undefined;
  let fleet: FleetGuard | undefined;
  let shuttingDown = false;
  // Not ready before the first fleet check, nor while it refuses (config drift).
  const ready = async () => {
    const redis = need(runtime).redis;
    return (
      !shuttingDown &&
      fleet !== undefined &&
      fleet.refusal() === null &&
      redis.status === "ready" &&
      (await redis.ping()) === "PONG"
    );
  };
  const metrics = createMetrics({
    queueCounts: () => need(runtime).engine.queueCounts(),
    flags: () => need(runtime).engine.listFlags(),
    oldestKeyAgeSeconds: () => need(keyAges).read(),
    ready,
    maxKeyAgeSeconds: Object.fromEntries(
      config.accounts.map((account) => [account.name, account.maxKeyAgeDays * 86_400])
    ),
    configDrift: () => fleet?.disagreeing() ?? 0,
    preexistingKeysInUse: preexistingInUseReader(() => need(runtime), recordKeyFrom(options.env ?? process.env)),
  });
  const notifications = createDaemonNotifications(config, log, connectRedis, options.env);
  const notifier = notifications?.notifier;
  try {
    runtime = await openRuntime(config, {
      log,
      role: "worker",
      ...(options.env ? { env: options.env } : {}),
      observeCamCall: notifier
        ? (call) => {
            metrics.camCall(call);
            notifier.camCall(call);
          }
        : metrics.camCall,
      observeLimiter: metrics.limiter,
      engineObserver: notifier
        ? combineObservers([metrics.engineObserver, notifier.observer], (error) =>
            log.warn({ err: error }, "an engine observer failed")
          )
        : metrics.engineObserver,
    });
  } catch (error) {
    await notifications?.abandon();
    throw error;
  }
  const { engine, redis } = runtime;
  // The limiter counts per Tencent owner: a daemon that cannot tell whose quota it spends, or that has two entries
  // for one owner, starts nothing.
  try {
    await runtime.owners?.learnAll(config.accounts);
  } catch (error) {
    await notifications?.abandon();
    await runtime.close();
    throw error;
  }

  // The endpoint first: a port already in use must fail start-up before any job is taken.
  let http: RunningHttpServer | null = null;
  if (options.http ?? true) {
    try {
      http = await startHttpServer({
        host: config.http.host,
        port: config.http.port,
        registry: metrics.registry,
        log,
        ready,
        blockedBy: () => fleet?.refusal() ?? null,
      });
    } catch (error) {
      await notifications?.abandon();
      await runtime.close();
      throw new Error(`cannot serve http on ${config.http.host}:${config.http.port}: ${(error as Error).message}`);
    }
  }

  // Started paused: it takes its first job only once the fleet check found every live config equal to this one.
  const worker: EngineWorker = engine.startWorker({ concurrency: config.worker.concurrency, paused: true });
  const guard = createFleetGuard({
    redis,
    prefix: config.redis.prefix,
    fingerprint: configFingerprint(config),
    log,
    ...options.fleet,
    onChange: (refusal) => (refusal || shuttingDown ? worker.pause() : worker.resume()),
  });
  try {
    await guard.start();
  } catch (error) {
    await worker.close(0);
    await notifications?.abandon();
    await http?.close();
    await runtime.close();
    throw new Error(`cannot publish this daemon's config fingerprint: ${(error as Error).message}`);
  }
  fleet = guard;
  // In the background: a slow or unreachable CAM must not hold up start-up; the check only warns.
  void checkClockSkew(config.accounts, log, metrics.clockSkew);
  keyAges = startKeyAgeSampler({
    redis,
    prefix: config.redis.prefix,
    accounts: config.accounts.map((account) => account.name),
    planner: engine,
    log,
  });

  let schedules: Schedules | null = null;
  if (options.schedules ?? true) {
    cron.setLogger({
      info: (message) => log.debug({ source: "node-cron" }, message),
      warn: (message) => log.warn({ source: "node-cron" }, message),
      error: (message, err) => log.error({ source: "node-cron", err: err ?? message }, String(message)),
      debug: (message) => log.debug({ source: "node-cron" }, String(message)),
    });
    const coordinator = createRedisRunCoordinator({
      redis,
      prefix: config.redis.prefix,
      owner: `${hostname()}:${process.pid}:${randomUUID()}`,
    });
    // Registered globally as node-cron intends; each task also names it, so daemons sharing a process (tests)
    // keep their own Redis.
    cron.setRunCoordinator(coordinator);
    schedules = startSchedules({
      accounts: config.accounts,
      engine,
      coordinator,
      log,
      refusal: guard.refusal,
      onFire: (account, slot, outcome) => {
        metrics.scheduleFired(account, outcome);
        options.onFire?.(account, slot, outcome);
      },
    });
  }

  notifications?.start(engine, { schedules: options.schedules ?? true });

  log.info(
    {
      accounts: config.accounts.map((account) => account.name),
      concurrency: config.worker.concurrency,
      http: http?.url ?? null,
      nextRuns: schedules?.nextRuns() ?? {},
      fingerprint: configFingerprint(config).hash,
      refusing: guard.refusal(),
    },
    "worker ready"
  );

  let stopping: Promise<void> | null = null;
  const ownRuntime = runtime;
  return {
    runtime: ownRuntime,
    metrics,
    http,
    fleet: guard,
    shutdown(reason) {
      stopping ??= (async () => {
        shuttingDown = true;
        log.info({ reason, deadlineMs: config.worker.shutdownTimeout }, "shutting down: taking no new jobs");
        await schedules?.stop();
        keyAges?.stop();
        await worker.close(config.worker.shutdownTimeout);
        await guard.stop();
        // After the worker: a rotation that fails while shutting down is still announced.
        await notifications?.stop(reason, NOTIFY_CLOSE_GRACE_MS);
        await http?.close();
        await ownRuntime.close();
        log.info("shutdown complete");
      })();
      return stopping;
    },
  };
}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("daemon is still starting");
  return value;
}
