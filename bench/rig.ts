// The services a benchmark run shares: a private redis-server, the CAM simulator in a child process (strict
// rolling windows; reset with a fresh seed per row; it records every secret it issues), optionally a private
// moto_server, a scratch directory, and the environment worker processes get.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { startMotoServer, startRedisServer, type LocalService } from "../test/support/services.js";
import { FILE_VAULT_KEY_ENV } from "../src/vault/index.js";
import { pidByPortArgument, readCpuMs } from "./processes.js";
import { startSimulatorProcess, type SimulatorHandle } from "./simulator.js";

export type VaultKind = "file" | "moto";

export interface BenchWorld {
  redis: LocalService & { dir: string };
  /** The driver's own connection: enqueueing, INFO, following events. */
  redisClient: Redis;
  sim: SimulatorHandle;
  moto: LocalService | undefined;
  vaultKind: VaultKind;
  dir: string;
  /** Seeded secrets of every row so far, and (through `sim`) every issued one. */
  secrets(): Set<string>;
  seededSecrets: Set<string>;
  /** PATH, HOME, the AWS test credentials and the file vault key; each row adds its account credentials. */
  baseEnv: NodeJS.ProcessEnv;
  /** CPU ms moto_server has used so far (undefined with the file vault, whose work is in the workers' CPU). */
  vaultCpuMs(): number | undefined;
  /** The vault section of a row's config; unique per row. */
  vaultConfig(row: string): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startWorld(options: { vault: VaultKind; redis?: { appendOnly?: boolean } }): Promise<BenchWorld> {
  const dir = mkdtempSync(join(tmpdir(), "cam-rotator-bench-"));
  mkdirSync(join(dir, "redis"));
  const redis = await startRedisServer({
    dir: join(dir, "redis"),
    ...(options.redis?.appendOnly ? { appendOnly: true } : {}),
  });
  const moto = options.vault === "moto" ? await startMotoServer() : undefined;
  // One key for every file vault of the run, given to the workers the way an operator would.
  const fileVaultKey = randomBytes(32).toString("base64");
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_OPTIONS: "",
    LOG_LEVEL: "info",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    [FILE_VAULT_KEY_ENV]: fileVaultKey,
  };
  // The driver opens the same vaults (to fill them, and for the invariant checks).
  for (const name of [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_REGION",
    "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED",
    FILE_VAULT_KEY_ENV,
  ])
    process.env[name] = baseEnv[name];
  const sim = await startSimulatorProcess(join(dir, "issued-secrets.txt"), baseEnv);
  const redisClient = new Redis(redis.url, { maxRetriesPerRequest: null });
  const motoPid = moto ? pidByPortArgument(moto.port) : undefined;
  const seededSecrets = new Set<string>();
  return {
    redis,
    redisClient,
    sim,
    moto,
    vaultKind: options.vault,
    dir,
    baseEnv,
    seededSecrets,
    secrets: () => new Set([...seededSecrets, ...sim.issuedSecrets()]),
    vaultCpuMs: () => (motoPid === undefined ? undefined : readCpuMs(motoPid)),
    vaultConfig: (row) =>
      moto
        ? {
            type: "aws-secrets-manager",
            region: "us-east-1",
            endpoint: moto.url,
            nameTemplate: `bench/${row}/{account}/{uin}`,
          }
        : { type: "file", path: join(dir, `vault-${row}.json`) },
    async close() {
      redisClient.disconnect();
      await sim.close();
      await moto?.stop();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
