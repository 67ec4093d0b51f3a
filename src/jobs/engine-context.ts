// Everything the job processors and the engine's methods share, built once by createRotationEngine.
import { setTimeout as sleep } from "node:timers/promises";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { CamApi } from "../cam/types.js";
import type { AccountConfig, Config } from "../config/schema.js";
import type { Vault } from "../vault/port.js";
import type { BackoffSettings } from "./backoff.js";
import type { EngineObserver, RotationEngine } from "./engine.js";
import { queuedRotations } from "./enqueue-bulk.js";
import type { EventLog } from "./events.js";
import type { FlagStore } from "./flags.js";
import type { EngineKeys } from "./keys.js";
import type { OutcomeStore } from "./outcomes.js";
import type { ProgressStore } from "./progress.js";
import type { RetireDeps } from "./retire.js";
import type { RetirementScheduler, RotationDeps } from "./rotate/context.js";
import type { SweepDeps } from "./sweep.js";
import type { RotationTurns } from "./turns.js";

/** Knobs tests turn; the daemon keeps the defaults. */
export interface EngineTuning {
  /** Retry backoff for transient failures. Default 2 s doubling, capped at 5 min, with jitter. */
  backoff?: Partial<BackoffSettings>;
  /** BullMQ lock duration: how long a dead worker's job stays claimed. Default 30000. */
  lockDurationMs?: number;
  /** How often workers look for jobs whose worker died. Default 30000. */
  stalledIntervalMs?: number;
  /** A job that stalls more often than this fails. Default 2. */
  maxStalledCount?: number;
}

export interface EngineContext {
  config: Config;
  connection: Redis;
  vault: Vault;
  camFor: (account: string) => CamApi;
  log: Logger;
  observer: EngineObserver | undefined;
  /** Paces rotate job starts per account; absent, jobs start as soon as a worker takes them. */
  turns: RotationTurns | undefined;
  clock: () => number;
  tuning: EngineTuning;
  keys: EngineKeys;
  queue: Queue;
  progress: ProgressStore;
  flags: FlagStore;
  events: EventLog;
  outcomes: OutcomeStore;
  retirements: RetirementScheduler;
  enqueueRotation(request: { account: string; uin: number; force?: boolean; reason?: "schedule" | "manual" }):
    Promise<{ jobId: string; added: boolean }>;
  rotationQueued(account: string, uin: number): Promise<boolean>;
  enqueueRotations: RotationEngine["enqueueRotations"];
}

/** The account's config; a name that is not configured is bad input and says so (P8). */
export function accountConfig(config: Config, name: string): AccountConfig {
  const account = config.accounts.find((candidate) => candidate.name === name);
  if (!account) {
    const known = config.accounts.map((candidate) => `"${candidate.name}"`).join(", ");
    throw new Error(`account "${name}" is not in the configuration (configured: ${known})`);
  }
  return account;
}

export function rotationDeps(ctx: EngineContext, account: AccountConfig): RotationDeps {
  return {
    cam: ctx.camFor(account.name), vault: ctx.vault, progress: ctx.progress, flags: ctx.flags, events: ctx.events,
    retirements: ctx.retirements, account, rotation: ctx.config.rotation, clock: ctx.clock,
    sleep: (ms) => sleep(ms), log: ctx.log, ...(ctx.observer ? { observer: ctx.observer } : {}),
  };
}

export function retireDeps(ctx: EngineContext, account: AccountConfig): RetireDeps {
  return {
    cam: ctx.camFor(account.name), vault: ctx.vault, events: ctx.events, retirements: ctx.retirements, account,
    rotation: ctx.config.rotation, clock: ctx.clock, log: ctx.log, ...(ctx.observer ? { observer: ctx.observer } : {}),
  };
}

export function sweepDeps(ctx: EngineContext, account: AccountConfig): SweepDeps {
  return {
    cam: ctx.camFor(account.name), vault: ctx.vault, account, clock: ctx.clock,
    rotationQueued: (uin) => ctx.rotationQueued(account.name, uin),
    queuedAmong: (uins) => queuedRotations(ctx.queue, ctx.connection, account.name, uins),
  };
}
