// Builds the rotator's parts from the config: one Redis connection, the Redis rate gate with each account's
// limits, a CAM client per account (credentials from the environment variables the config names), the vault
// paced by its own quota gate, and the rotation engine. The worker daemon and the admin commands both stand on this.
import type { Redis } from "ioredis";
import { createCamClient, type CamCallObservation } from "../cam/client.js";
import type { CallGate } from "../cam/limiter/gate.js";
import type { LimiterEvent } from "../cam/limiter/redis-gate.js";
import type { CamApi } from "../cam/types.js";
import { ConfigError, resolveCredentials, type Config } from "../config/index.js";
import type { EngineObserver, RotationEngine } from "../jobs/engine.js";
import { loadRecordKey, RECORD_KEY_ENV } from "../jobs/record-mac.js";
import { createRotationEngine } from "../jobs/runtime.js";
import type { Logger } from "../log.js";
import { createVault } from "../vault/index.js";
import type { Vault } from "../vault/port.js";
import { createConfiguredGate } from "./configured-gate.js";
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
  /** Used instead of the Redis gate; only the benchmark's baselines pass one. */
  gate?: CallGate;
}

export interface Runtime {
  readonly config: Config;
  readonly redis: Redis;
  readonly vault: Vault;
  readonly engine: RotationEngine;
  /** The account's CAM client; throws ConfigError when its credential variables are not set. */
  camFor(account: string): CamApi;
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
    throw new ConfigError("environment", [`${RECORD_KEY_ENV}: environment variable is not set; it authenticates approvals and ` +
      `progress records in Redis (the same value on every daemon and admin host). Set redis.requireRecordKey: false to run without it`]);
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
  // The baselines' gates come without rotation turns: their rows measure their limiter alone.
  const configuredGate = options.gate ? undefined : createConfiguredGate(config, redis, options.observeLimiter);
  const gate = options.gate ?? configuredGate!;
  const clients = new Map<string, CamApi>();
  const camFor = (name: string): CamApi => {
    const cached = clients.get(name);
    if (cached) return cached;
    const index = config.accounts.findIndex((account) => account.name === name);
    if (index < 0) throw new Error(`no account named ${JSON.stringify(name)} in the config`);
    const account = config.accounts[index]!;
    const client = createCamClient({
      name,
      ...(account.endpoint ? { endpoint: account.endpoint } : {}),
      ...(account.stsEndpoint ? { stsEndpoint: account.stsEndpoint } : {}),
      credentials: resolveCredentials(account, index, env),
      requestTimeoutSec: account.requestTimeout / 1000,
    }, { gate, ...(options.observeCamCall ? { observe: options.observeCamCall } : {}),
      warn: (warning) => options.log.warn(warning, "skipped a CAM list row that names no rotatable entry") });
    clients.set(name, client);
    return client;
  };
  // The vault's quota is paced for every gate, the baselines' too: their rows compare CAM limiters.
  const vaultGate = createConfiguredVaultGate(config, redis);
  const vault = await createVault(config.vault, vaultGate ? { quota: vaultGate } : {});
  const turns = configuredGate && vaultGate ? withVaultTurns(configuredGate, vaultGate) : configuredGate;
  const engine = createRotationEngine({
    config, connection: redis, vault, camFor, log: options.log, recordKey, ...(turns ? { turns } : {}),
    ...(options.engineObserver ? { observer: options.engineObserver } : {}),
  });
  return {
    config, redis, vault, engine, camFor,
    async close() {
      await engine.close();
      await vault.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
