// The simulated fleet a benchmark row or a chaos run rotates: accounts (each with an admin "rotator" sub-user
// whose key the workers sign with), users that each hold one Active key that the vault holds as current (the
// steady state between two rotations), the simulator seed, the worker config and the environment.
import { randomBytes, randomUUID } from "node:crypto";
import { DEFAULT_RATE_LIMITS, CAM_ACTIONS, type CamAction } from "../src/cam/actions.js";
import { newAccessKeyId, newSecretAccessKey } from "../src/cam/simulator/ids.js";
import type { SeedInput } from "../src/cam/simulator/index.js";
import { RECORD_KEY_ENV } from "../src/jobs/record-mac.js";
import type { Vault } from "../src/vault/port.js";
import { concurrently } from "./concurrently.js";

export interface FleetKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface FleetAccount {
  name: string;
  ownerUin: number;
  rotatorUin: number;
  rotatorKey: FleetKey;
  /** Environment variables the config names for this account's credentials. */
  secretIdEnv: string;
  secretKeyEnv: string;
  users: Array<{ uin: number; key: FleetKey }>;
}

export interface Fleet {
  accounts: FleetAccount[];
  seed: SeedInput;
  /** The credential variables of every account. */
  env: Record<string, string>;
  /** Every SecretAccessKey in the seed. */
  secrets: string[];
  rateLimits: Record<CamAction, number>;
}

export const SEED_CREATE_TIME = "2025-01-01 08:00:00";

/**
 * `createLimit` is CreateAccessKey's calls per second; every action keeps Tencent's proportions to it (5/s
 * actions scale to it, 20/s ones to four times it), so a scaled run stays pinched by the same action.
 */
export function rateLimitsFor(createLimit: number): Record<CamAction, number> {
  const scale = createLimit / DEFAULT_RATE_LIMITS.CreateAccessKey;
  return Object.fromEntries(
    CAM_ACTIONS.map((action) => [action, Math.round(DEFAULT_RATE_LIMITS[action] * scale)])
  ) as Record<CamAction, number>;
}

const ACCOUNT_STRIDE = 10_000_000;

/** A user's position within its account (UINs of account i are spaced ACCOUNT_STRIDE apart). */
export const userIndex = (uin: number): number => uin % ACCOUNT_STRIDE;

export function buildFleet(options: {
  accounts: number;
  usersPerAccount: number;
  createLimit: number;
  firstUserIndex?: number;
}): Fleet {
  const newKey = (): FleetKey => ({ accessKeyId: newAccessKeyId(), secretAccessKey: newSecretAccessKey() });
  const accounts: FleetAccount[] = Array.from({ length: options.accounts }, (_, index) => {
    const ownerUin = 100_000_000_001 + index * ACCOUNT_STRIDE;
    return {
      name: `acct${index + 1}`,
      ownerUin,
      rotatorUin: ownerUin + 1,
      rotatorKey: newKey(),
      secretIdEnv: `BENCH_ACCT${index + 1}_SECRET_ID`,
      secretKeyEnv: `BENCH_ACCT${index + 1}_SECRET_KEY`,
      users: Array.from({ length: options.usersPerAccount }, (_unused, user) => ({
        uin: ownerUin + 10 + (options.firstUserIndex ?? 0) + user,
        key: newKey(),
      })),
    };
  });
  const rateLimits = rateLimitsFor(options.createLimit);
  const seed: SeedInput = {
    accounts: accounts.map((account, index) => ({
      ownerUin: account.ownerUin,
      appId: 1_300_000_001 + index,
      users: [
        { uin: account.ownerUin, name: "root", keys: [] },
        {
          uin: account.rotatorUin,
          name: "rotator",
          admin: true,
          keys: [{ ...account.rotatorKey, status: "Active" as const }],
        },
        ...account.users.map((user) => ({
          uin: user.uin,
          name: `user-${user.uin}`,
          keys: [{ ...user.key, status: "Active" as const, createTime: SEED_CREATE_TIME }],
        })),
      ],
    })),
    rateLimits,
  };
  const env = Object.fromEntries(
    accounts.flatMap((account) => [
      [account.secretIdEnv, account.rotatorKey.accessKeyId],
      [account.secretKeyEnv, account.rotatorKey.secretAccessKey],
    ])
  );
  env[RECORD_KEY_ENV] = randomBytes(32).toString("base64"); // shared by every daemon of the fleet
  const secrets = accounts.flatMap((account) => [
    account.rotatorKey.secretAccessKey,
    ...account.users.map((user) => user.key.secretAccessKey),
  ]);
  return { accounts, seed, env, secrets, rateLimits };
}

/** Puts every user's seeded key in the vault as AWSCURRENT, `width` users at a time. */
export async function fillVault(vault: Vault, fleet: Fleet, width = 16): Promise<void> {
  const users = fleet.accounts.flatMap((account) => account.users.map((user) => ({ account: account.name, ...user })));
  await concurrently(users, width, async (user) => {
    const ref = { account: user.account, uin: user.uin };
    const { versionId } = await vault.stagePending(ref, randomUUID(), {
      SecretId: user.key.accessKeyId,
      SecretKey: user.key.secretAccessKey,
      Uin: user.uin,
      Account: user.account,
      CreateTime: SEED_CREATE_TIME,
      RotatedAt: "2025-01-01T00:00:00.000Z",
    });
    await vault.promote(ref, versionId);
  });
}

export interface WorkerConfigOptions {
  redisUrl: string;
  prefix: string;
  vault: Record<string, unknown>;
  simulatorUrl: string;
  concurrency?: number;
  /** Merged over the defaults below (rotation, limiter, worker...). */
  extra?: Record<string, unknown>;
  retire?: { deactivateAfter: string | number; deleteAfter: string | number };
  /** Configured UINs per account; "all" lets ListUsers decide. Default: the fleet's users. */
  users?: "all";
}

/** The config file the workers read. The schedule never fires during a run (1 January, midnight). */
export function workerConfig(fleet: Fleet, options: WorkerConfigOptions): Record<string, unknown> {
  return {
    redis: { url: options.redisUrl, prefix: options.prefix },
    vault: options.vault,
    accounts: fleet.accounts.map((account) => ({
      name: account.name,
      endpoint: options.simulatorUrl,
      credentials: { secretIdEnv: account.secretIdEnv, secretKeyEnv: account.secretKeyEnv },
      users: options.users ?? account.users.map((user) => user.uin),
      schedule: "0 0 1 1 *",
      timezone: "UTC",
      maxKeyAgeDays: 90,
      // The simulator reports last use at once (its lag switch is off), so no retirement waits for a late report.
      retire: { lastUsedLag: "0s", ...(options.retire ?? { deactivateAfter: "7d", deleteAfter: "7d" }) },
      overLimit: "auto",
      rateLimits: fleet.rateLimits,
      requestTimeout: "5s",
    })),
    worker: { concurrency: options.concurrency ?? 8, shutdownTimeout: "5s" },
    http: { host: "127.0.0.1", port: 0 },
    // Limiter keys are per owner UIN, shared across prefixes: its own namespace keeps a row (or a test file running
    // beside another) out of the others' windows.
    limiter: { namespace: options.prefix },
    ...options.extra,
  };
}
