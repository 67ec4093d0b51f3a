// Builds the rotator's parts from the config: one Redis connection, the Redis rate gate with each account's
// limits, a CAM client per account (credentials from the environment variables the config names), the vault
// paced by its own quota gate, and the rotation engine. The worker daemon and the admin commands both stand on this.
import type { Redis } from "ioredis";
import type { CamCallObservation, CamClientDeps } from "../cam/client.js";
import type { CallGate } from "../cam/limiter/gate.js";
import type { LimiterEvent } from "../cam/limiter/redis-gate.js";
import type { CamApi } from "../cam/types.js";
import { ConfigError, resolveCredentials, type Config } from "../config/index.js";
import type { EngineObserver, RotationEngine } from "../jobs/engine/face.js";
import { loadRecordKey, RECORD_KEY_ENV } from "../jobs/record-mac.js";
import { createRotationEngine, type EngineSeams, type EngineTuning } from "../jobs/engine/create-engine.js";
import type { Logger } from "../log.js";
import { createVault } from "../vault/index.js";
import type { Vault } from "../vault/port.js";
import { accountCamClient } from "./account-client.js";
import { createOwnerKeyedGate } from "./owner-keyed-gate.js";
import type { OwnerDirectory } from "./owners.js";
import { createConfiguredVaultGate, withVaultTurns } from "./configured-vault-gate.js";
import { connectRedis } from "./redis.js";

export interface RuntimeOptions {
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Metrics hooks. */
  observeCamCall?: (observation: CamCallObservation) => void;
  observeLimiter?: (event: LimiterEvent) => void;
  engineObserver?: EngineObserver;
  /** A name for the Redis connection (CLIENT LIST), e.g. "worker" or "admin". */
  role?: string;
  /** For tests and benchmarks only; the daemon and the CLI pass none. */
  seams?: RuntimeSeams;
}

/** Where tests and benchmarks plug into the runtime: the engine's seams (seams.ts) and these. */
export interface RuntimeSeams extends EngineSeams {
  /** Used instead of the Redis gate, without rotation turns or owners (the benchmark's baselines). */
  gate?: CallGate;
  /** Wraps each account's CAM client as the engine gets it (the crash tests record every secret handed out). */
  wrapCam?: (cam: CamApi) => CamApi;
  tuning?: EngineTuning;
}

export interface Runtime {
  readonly config: Config;
  readonly redis: Redis;
  readonly vault: Vault;
  readonly engine: RotationEngine;
  /** The account's CAM client; throws ConfigError when its credential variables are not set. */
  camFor(account: string): CamApi;
  /** Each account's owner UIN, which keys its rate limits; the daemon learns them all before it starts. */
  readonly owners: OwnerDirectory | undefined;
  close(): Promise<void>;
}

/** Every account's credential variables must be set before a worker starts: a bad environment starts nothing. */
export function assertCredentials(config: Config, env: NodeJS.ProcessEnv = process.env): void {
  const problems = config.accounts.flatMap((account, index) => {
    try {
      resolveCredentials(account, index, env);
      return [];
    } catch (error) {
      return error instanceof ConfigError ? error.problems : [String(error)];
    }
  });
  if (problems.length > 0) throw new ConfigError("environment", problems);
}

/**
 * The record key (CAM_ROTATOR_RECORD_KEY) must be set where records are written, unless the config says
 * `redis.requireRecordKey: false`; a malformed one is refused anyway. Without it nothing is signed or checked.
 */
export function assertRecordKey(config: Config, env: NodeJS.ProcessEnv = process.env): void {
  if (!recordKeyFrom(env) && config.redis.requireRecordKey)
    throw new ConfigError("environment", [
      `${RECORD_KEY_ENV}: environment variable is not set; it authenticates approvals and ` +
        `progress records in Redis (the same value on every daemon and admin host). Set redis.requireRecordKey: false to run without it`,
    ]);
}

/** The record key, or null when unset; a malformed one is a ConfigError naming the variable, never its value. */
export function recordKeyFrom(env: NodeJS.ProcessEnv): Buffer | null {
  try {
    return loadRecordKey(env);
  } catch (error) {
    throw new ConfigError("environment", [(error as Error).message]);
  }
}

export async function openRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const env = options.env ?? process.env;
  const recordKey = recordKeyFrom(env);
  const redis = connectRedis(config.redis.url, `cam-rotator-${options.role ?? "admin"}`);
  redis.on("error", (error: Error) => options.log.warn({ err: error }, "redis connection error"));
  const observe = options.observeCamCall ? { observe: options.observeCamCall } : {};
  const warn = (warning: object) => options.log.warn(warning, "skipped a CAM list row that names no rotatable entry");
  const clientFor = (name: string, deps: CamClientDeps) =>
    accountCamClient(config, name, { ...deps, ...observe, warn }, { env });
  // The baselines' gates come without rotation turns or owners: their rows measure their limiter alone.
  const { gate: seamGate, wrapCam, tuning, ...engineSeams } = options.seams ?? {};
  const keyed = seamGate ? undefined : createOwnerKeyedGate(config, redis, clientFor, options.observeLimiter);
  const gate = seamGate ?? keyed!.gate;
  const clients = new Map<string, CamApi>();
  const camFor = (name: string): CamApi => {
    let client = clients.get(name);
    if (!client) {
      client = clientFor(name, { gate });
      if (wrapCam) client = wrapCam(client);
      clients.set(name, client);
    }
    return client;
  };
  // The vault's quota is paced for every gate, the baselines' too: their rows compare CAM limiters.
  const vaultGate = createConfiguredVaultGate(config, redis);
  const vault = await createVault(config.vault, vaultGate ? { quota: vaultGate } : {});
  const turns = keyed && vaultGate ? withVaultTurns(keyed.gate, vaultGate) : keyed?.gate;
  const engine = createRotationEngine({
    config,
    connection: redis,
    vault,
    camFor,
    log: options.log,
    recordKey,
    ...(turns ? { turns } : {}),
    ...(options.engineObserver ? { observer: options.engineObserver } : {}),
    ...(tuning ? { tuning } : {}),
    seams: engineSeams,
  });
  return {
    config,
    redis,
    vault,
    engine,
    camFor,
    owners: keyed?.owners,
    async close() {
      await engine.close();
      await vault.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
