// `cam-rotator worker`: the BullMQ worker, each account's schedule, the key-age sampler and the HTTP endpoint,
// started from the config and stopped in reverse order. Signals are wired by the caller (signals.ts) so that
// tests and the demo can run a daemon in-process.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import cron from "node-cron";
import type { Config } from "../config/index.js";
import type { EngineWorker } from "../jobs/engine.js";
import type { Logger } from "../log.js";
import { checkClockSkew } from "./clock-skew.js";
import { startHttpServer, type RunningHttpServer } from "./http-server.js";
import { startKeyAgeSampler, type KeyAgeSampler } from "./key-ages.js";
import { createMetrics, type RotatorMetrics } from "./metrics.js";
import { createRedisRunCoordinator } from "./run-coordinator.js";
import { assertCredentials, openRuntime, type Runtime } from "./runtime.js";
import { startSchedules, type FireOutcome, type Schedules } from "./schedules.js";

export interface DaemonOptions {
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Serve /healthz, /readyz and /metrics (default true). */
  http?: boolean;
  /** Run the account schedules (default true); the demo triggers its sweep itself. */
  schedules?: boolean;
  onFire?: (account: string, slot: number, outcome: FireOutcome) => void;
}

export interface Daemon {
  readonly runtime: Runtime;
  readonly metrics: RotatorMetrics;
  readonly http: RunningHttpServer | null;
  /** Takes no new jobs, lets active ones finish or hands them back within worker.shutdownTimeout. Idempotent. */
  shutdown(reason: string): Promise<void>;
}

const QUEUE_STATES = ["waiting", "active", "delayed", "prioritized", "completed", "failed", "waiting-children"] as const;

export async function startDaemon(config: Config, options: DaemonOptions): Promise<Daemon> {
  const { log } = options;
  assertCredentials(config, options.env);
  let runtime: Runtime | undefined;
  let keyAges: KeyAgeSampler | undefined;
  let shuttingDown = false;
  const ready = async () => {
    const redis = need(runtime).redis;
    return !shuttingDown && redis.status === "ready" && (await redis.ping()) === "PONG";
  };
  const metrics = createMetrics({
    queueCounts: () => need(runtime).engine.queue.getJobCounts(...QUEUE_STATES),
    flags: () => need(runtime).engine.listFlags(),
    oldestKeyAgeSeconds: () => need(keyAges).read(),
    ready,
    maxKeyAgeSeconds: Object.fromEntries(config.accounts.map((account) => [account.name, account.maxKeyAgeDays * 86_400])),
  });
  runtime = await openRuntime(config, {
    log, role: "worker", ...(options.env ? { env: options.env } : {}),
    observeCamCall: metrics.camCall, observeLimiter: metrics.limiter, engineObserver: metrics.engineObserver,
  });
  const { engine, redis } = runtime;

  // The endpoint first: a port already in use must fail start-up before any job is taken.
  let http: RunningHttpServer | null = null;
  if (options.http ?? true) {
    try {
      http = await startHttpServer({
        host: config.http.host, port: config.http.port, registry: metrics.registry, log,
        ready,
      });
    } catch (error) {
      await runtime.close();
      throw new Error(`cannot serve http on ${config.http.host}:${config.http.port}: ${(error as Error).message}`);
    }
  }

  // In the background: a slow or unreachable CAM must not hold up start-up; the check only warns.
  void checkClockSkew(config.accounts, log, metrics.clockSkew);
  const worker: EngineWorker = engine.startWorker({ concurrency: config.worker.concurrency });
  keyAges = startKeyAgeSampler({
    redis, prefix: config.redis.prefix, accounts: config.accounts.map((account) => account.name), planner: engine, log,
  });

  let schedules: Schedules | null = null;
  if (options.schedules ?? true) {
    cron.setLogger({
      info: (message) => log.debug({ source: "node-cron" }, message),
      warn: (message) => log.warn({ source: "node-cron" }, message),
      error: (message, err) => log.error({ source: "node-cron", err: err ?? message }, String(message)),
      debug: (message) => log.debug({ source: "node-cron" }, String(message)),
    });
    const coordinator = createRedisRunCoordinator({ redis, prefix: config.redis.prefix, owner: `${hostname()}:${process.pid}:${randomUUID()}` });
    // Registered globally as node-cron intends; each task also names it, so daemons sharing a process (tests)
    // keep their own Redis.
    cron.setRunCoordinator(coordinator);
    schedules = startSchedules({
      accounts: config.accounts, engine, coordinator, log,
      onFire: (account, slot, outcome) => {
        metrics.scheduleFired(account, outcome);
        options.onFire?.(account, slot, outcome);
      },
    });
  }

  log.info({ accounts: config.accounts.map((account) => account.name), concurrency: config.worker.concurrency,
    http: http?.url ?? null, nextRuns: schedules?.nextRuns() ?? {} }, "worker ready");

  let stopping: Promise<void> | null = null;
  const ownRuntime = runtime;
  return {
    runtime: ownRuntime, metrics, http,
    shutdown(reason) {
      stopping ??= (async () => {
        shuttingDown = true;
        log.info({ reason, deadlineMs: config.worker.shutdownTimeout }, "shutting down: taking no new jobs");
        await schedules?.stop();
        keyAges?.stop();
        await worker.close(config.worker.shutdownTimeout);
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
