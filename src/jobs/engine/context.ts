// What the job processors share, built once by createRotationEngine: the services, the Redis records, and the
// queue writes (rotation-jobs.ts). Each job gets the slice its step functions take (rotationDeps, retireDeps,
// sweepDeps).
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { CamApi } from "../../cam/types.js";
import type { AccountConfig, Config } from "../../config/schema.js";
import type { Vault } from "../../vault/port.js";
import type { EventLog } from "../events.js";
import type { FlagStore } from "../flags.js";
import type { OutcomeStore } from "../outcomes.js";
import type { ParkedStore } from "../parked.js";
import type { ProgressStore } from "../progress.js";
import type { RetireDeps } from "../retire.js";
import type { RotationDeps } from "../rotate/context.js";
import type { SweepDeps } from "../sweep.js";
import type { RotationTurns } from "../turns.js";
import type { EngineObserver } from "./face.js";
import type { RotationJobs } from "./rotation-jobs.js";
import type { EngineSeams, EngineTuning } from "./seams.js";

/** The engine's Redis records besides BullMQ's (keys.ts). */
export interface EngineRecords {
  progress: ProgressStore;
  flags: FlagStore;
  events: EventLog;
  outcomes: OutcomeStore;
  parked: ParkedStore;
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
  records: EngineRecords;
  jobs: RotationJobs;
  tuning: EngineTuning;
  seams: EngineSeams;
}

export function rotationDeps(ctx: EngineContext, account: AccountConfig): RotationDeps {
  const { progress, flags, events } = ctx.records;
  return {
    cam: ctx.camFor(account.name),
    vault: ctx.vault,
    progress,
    flags,
    events,
    retirements: ctx.jobs,
    account,
    rotation: ctx.config.rotation,
    clock: ctx.clock,
    sleep: (ms) => sleep(ms),
    log: ctx.log,
    ...(ctx.observer ? { observer: ctx.observer } : {}),
  };
}

export function retireDeps(ctx: EngineContext, account: AccountConfig): RetireDeps {
  return {
    cam: ctx.camFor(account.name),
    vault: ctx.vault,
    events: ctx.records.events,
    retirements: ctx.jobs,
    account,
    rotation: ctx.config.rotation,
    clock: ctx.clock,
    log: ctx.log,
    ...(ctx.observer ? { observer: ctx.observer } : {}),
  };
}

export function sweepDeps(ctx: EngineContext, account: AccountConfig): SweepDeps {
  return {
    cam: ctx.camFor(account.name),
    vault: ctx.vault,
    account,
    clock: ctx.clock,
    rotationQueued: (uin) => ctx.jobs.rotationQueued(account.name, uin),
    queuedAmong: (uins) => ctx.jobs.queuedAmong(account.name, uins),
  };
}
