// A rotation rig for the engine tests: the CAM simulator seeded with known keys, a moto-backed vault under a
// unique name template, a unique Redis prefix, the real Redis limiter and CAM client, the engine, captured logs,
// and every SecretAccessKey the test side ever saw (for the secret scan).
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Writable } from "node:stream";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Queue } from "bullmq";
import { Redis } from "ioredis";
import { inject } from "vitest";
import { createCamClient } from "../../src/cam/client.js";
import { createRedisGate } from "../../src/cam/limiter/redis-gate.js";
import { startCamSimulator, type RunningCamSimulator } from "../../src/cam/simulator/index.js";
import { newAccessKeyId, newSecretAccessKey } from "../../src/cam/simulator/ids.js";
import type { SeedInput } from "../../src/cam/simulator/seed.js";
import type { CamApi, KeyStatus } from "../../src/cam/types.js";
import { parseConfig, type Config } from "../../src/config/index.js";
import type { EngineObserver, RotationEngine, RotationOutcome } from "../../src/jobs/engine/face.js";
import { checkInvariants } from "./invariants.js";
import { createRotationEngine, type EngineSeams, type EngineTuning } from "../../src/jobs/engine/create-engine.js";
import { createLogger, type Logger } from "../../src/log.js";
import { createAwsSecretsManagerVault } from "../../src/vault/aws-secrets-manager.js";
import { VaultError, type SecretRef, type Vault } from "../../src/vault/port.js";

import { openQueue } from "./queue.js";
import { scanForSecrets, type ScanReport } from "./secret-scan.js";
import {
  ACCOUNT,
  CREDENTIAL_ENV,
  OWNER_UIN,
  recordingCam,
  ROTATOR_UIN,
  TEST_AWS_CREDENTIALS,
  TEST_RECORD_KEY,
  TEST_TUNING,
  USER_UIN,
} from "./rig-constants.js";

export { ACCOUNT, OWNER_UIN, ROTATOR_UIN, USER_UIN } from "./rig-constants.js";

export interface RigKey {
  status?: KeyStatus;
  /** Where the vault holds it before the test; "none" is a foreign key. Default "current". */
  vault?: "current" | "previous" | "none";
  lastUsedAt?: number | null;
  createTime?: string;
}

export interface RigUser {
  uin: number;
  keys?: RigKey[];
}

export interface RigOptions {
  /** Over the tests' engine tuning (TEST_TUNING), e.g. a job lock longer than a Redis pause the test injects. */
  tuning?: Partial<EngineTuning>;
  users?: RigUser[];
  account?: {
    overLimit?: "auto" | "flag-only";
    preexistingKeys?: "retire" | "flag";
    deactivateAfter?: number;
    deleteAfter?: number;
    maxKeyAgeDays?: number;
    users?: number[] | "all";
    /** Default 0: the simulator reports uses at once unless its lag switch is set. */ lastUsedLag?: number;
  };
  rotation?: { verifyTimeout?: number; parkRecheck?: number; attempts?: number; keepFailed?: number };
  /** A private moto (e.g. one the test stops); default the run's shared one. */
  motoUrl?: string;
  /** Start an in-process worker. Default true. */
  worker?: boolean;
  concurrency?: number;
  requireInactiveBeforeDelete?: boolean;
  observer?: EngineObserver;
  /** Wraps the CAM client, e.g. to inject a fault in one call. */
  wrapCam?: (cam: CamApi) => CamApi;
  /** A private Redis (e.g. one the test pauses); default the run's shared one. */
  redisUrl?: string;
  /** The Secrets Manager client under the vault, e.g. one with a fault middleware; default a plain one. */
  vaultClient?: SecretsManagerClient;
  /** Wraps the vault the engine uses (seeding and checks use the plain one), e.g. to time its calls. */
  wrapVault?: (vault: Vault) => Vault;
  /** The engine's seams (seams.ts), e.g. a hook after each step. */
  seams?: EngineSeams;
}

export interface SeededKey {
  uin: number;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Rig {
  sim: RunningCamSimulator;
  redis: Redis;
  vault: Vault;
  config: Config;
  /** The raw config object (parseConfig input), for a worker process to rebuild the same engine. */
  rawConfig: Record<string, unknown>;
  engine: RotationEngine;
  /** The engine's BullMQ queue, for looking at or moving jobs directly. */
  queue: Queue;
  prefix: string;
  nameTemplate: string;
  rootCredentials: { secretId: string; secretKey: string };
  seeded: SeededKey[];
  /** Every SecretAccessKey the test side saw: seeded ones and every CreateAccessKey answer. */
  secrets: Set<string>;
  /** Ids of keys the rotator created (CreateAccessKey answers seen in this process). */
  createdKeyIds: Set<string>;
  logs: string[];
  log: Logger;
  cam: CamApi;
  ref(uin?: number): SecretRef;
  rotate(uin?: number, options?: { force?: boolean }): Promise<RotationOutcome>;
  keysOf(uin?: number): Promise<Array<{ accessKeyId: string; status: KeyStatus; lastUsedAt: number | null }>>;
  requests(): Promise<
    Array<{ t: number; action: string; secretId: string | null; targetUin: number | null; outcome: string }>
  >;
  faults(...specs: Array<Record<string, unknown>>): Promise<void>;
  invariants(uins?: number[]): Promise<string[]>;
  close(): Promise<void>;
}

/** Every rig this test file created: the secret scan at the end of the file covers them all. */
export const rigsOfThisFile: Rig[] = [];

const key = (): { accessKeyId: string; secretAccessKey: string } => ({
  accessKeyId: newAccessKeyId(),
  secretAccessKey: newSecretAccessKey(),
});

export async function createRig(options: RigOptions = {}): Promise<Rig> {
  const users = options.users ?? [{ uin: USER_UIN, keys: [{}] }];
  const root = key();
  const seeded: SeededKey[] = [];
  const seedUsers = users.map((user) => ({
    uin: user.uin,
    name: `user-${user.uin}`,
    keys: (user.keys ?? []).map((spec, index) => {
      const made = key();
      seeded.push({ uin: user.uin, ...made });
      return {
        ...made,
        status: spec.status ?? "Active",
        createTime: spec.createTime ?? `2025-0${index + 1}-01 08:00:00`,
        lastUsedAt: spec.lastUsedAt ?? null,
      };
    }),
  }));
  const seed: SeedInput = {
    accounts: [
      {
        ownerUin: OWNER_UIN,
        appId: 1300000001,
        users: [
          { uin: OWNER_UIN, name: "root", keys: [] },
          { uin: ROTATOR_UIN, name: "rotator", admin: true, keys: [{ ...root, status: "Active" }] },
          ...seedUsers,
        ],
      },
    ],
    ...(options.requireInactiveBeforeDelete ? { requireInactiveBeforeDelete: true } : {}),
  };
  const sim = await startCamSimulator({ seed });

  const prefix = `t-${randomUUID()}`;
  const nameTemplate = `t-${randomUUID()}/{account}/{uin}`;
  const motoUrl = options.motoUrl ?? inject("motoUrl");
  const rawConfig = {
    redis: { url: options.redisUrl ?? inject("redisUrl"), prefix },
    vault: { type: "aws-secrets-manager", region: "us-east-1", endpoint: motoUrl, nameTemplate },
    accounts: [
      {
        name: ACCOUNT,
        endpoint: sim.url,
        credentials: CREDENTIAL_ENV,
        users: options.account?.users ?? users.map((user) => user.uin),
        schedule: "0 3 * * *",
        maxKeyAgeDays: options.account?.maxKeyAgeDays ?? 30,
        retire: {
          deactivateAfter: options.account?.deactivateAfter ?? 3_600_000,
          deleteAfter: options.account?.deleteAfter ?? 3_600_000,
          lastUsedLag: options.account?.lastUsedLag ?? 0,
        },
        overLimit: options.account?.overLimit ?? "auto",
        requestTimeout: 3_000,
        ...(options.account?.preexistingKeys ? { preexistingKeys: options.account.preexistingKeys } : {}),
      },
    ],
    rotation: { verifyTimeout: 3_000, parkRecheck: 60_000, attempts: 4, keepFailed: 50, ...options.rotation },
    // Limiter keys are per owner UIN, the same in every rig: a namespace of its own keeps concurrent rigs apart.
    limiter: { maxWait: 2_000, penalty: 200, safetyMargin: 2, namespace: prefix },
  };
  const config = parseConfig(rawConfig, "test rig", {});

  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const vault = createAwsSecretsManagerVault({
    region: "us-east-1",
    endpoint: motoUrl,
    nameTemplate,
    credentials: TEST_AWS_CREDENTIALS,
    maxAttempts: 1,
    requestTimeoutMs: 2_000,
    ...(options.vaultClient ? { client: options.vaultClient } : {}),
  });
  const ref = (uin = USER_UIN): SecretRef => ({ account: ACCOUNT, uin });
  await seedVault(vault, ref, users, seeded);

  const secrets = new Set<string>([root.secretAccessKey, ...seeded.map((seededKey) => seededKey.secretAccessKey)]);
  const createdKeyIds = new Set<string>();
  const logs: string[] = [];
  const log = createLogger(
    { level: "debug", name: "engine-test" },
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    })
  );
  const gate = createRedisGate({
    redis,
    prefix,
    maxWaitMs: config.limiter.maxWait,
    penaltyMs: config.limiter.penalty,
    safetyMarginMs: config.limiter.safetyMargin,
  });
  const client = recordingCam(
    createCamClient(
      {
        name: ACCOUNT,
        endpoint: sim.url,
        credentials: { secretId: root.accessKeyId, secretKey: root.secretAccessKey },
        requestTimeoutSec: 3,
      },
      { gate }
    ),
    (made) => {
      secrets.add(made.secretAccessKey);
      createdKeyIds.add(made.accessKeyId);
    }
  );
  const cam = options.wrapCam ? options.wrapCam(client) : client;
  const engine = createRotationEngine({
    config,
    connection: redis,
    vault: options.wrapVault ? options.wrapVault(vault) : vault,
    camFor: () => cam,
    log,
    recordKey: TEST_RECORD_KEY,
    ...(options.observer ? { observer: options.observer } : {}),
    ...(options.seams ? { seams: options.seams } : {}),
    tuning: { ...TEST_TUNING, ...options.tuning },
  });
  const worker = options.worker === false ? undefined : engine.startWorker({ concurrency: options.concurrency ?? 2 });
  const queue = openQueue(redis, prefix);

  const rig: Rig = {
    sim,
    redis,
    vault,
    config,
    rawConfig,
    engine,
    queue,
    prefix,
    nameTemplate,
    seeded,
    secrets,
    createdKeyIds,
    logs,
    log,
    cam,
    ref,
    rootCredentials: { secretId: root.accessKeyId, secretKey: root.secretAccessKey },
    async rotate(uin = USER_UIN, rotateOptions = {}) {
      const { jobId } = await engine.enqueueRotation({ account: ACCOUNT, uin, force: rotateOptions.force ?? true });
      return engine.waitForRotation(jobId, undefined, 20_000);
    },
    async keysOf(uin = USER_UIN) {
      const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as {
        accounts: Array<{
          users: Array<{
            uin: number;
            keys: Array<{ accessKeyId: string; status: KeyStatus; lastUsedAt: number | null }>;
          }>;
        }>;
      };
      return state.accounts.flatMap((account) => account.users).find((user) => user.uin === uin)?.keys ?? [];
    },
    async requests() {
      return (await fetch(`${sim.url}/_sim/requests`)).json() as ReturnType<Rig["requests"]>;
    },
    async faults(...specs) {
      for (const spec of specs) {
        const response = await fetch(`${sim.url}/_sim/faults`, {
          method: "POST",
          body: JSON.stringify(spec),
          headers: { "content-type": "application/json" },
        });
        if (!response.ok) throw new Error(`fault ${JSON.stringify(spec)} refused: ${await response.text()}`);
      }
    },
    invariants(uins = users.map((user) => user.uin)) {
      return checkInvariants({
        simulatorUrl: sim.url,
        vault,
        accounts: [{ account: ACCOUNT, ownerUin: OWNER_UIN, uins }],
      });
    },
    async close() {
      await worker?.close(5_000);
      await engine.close();
      await queue.close();
      await collectVaultSecrets(
        vault,
        users.map((user) => ref(user.uin)),
        secrets
      );
      await vault.close();
      await sim.close();
      // The Redis keys stay until the file's secret scan has read them.
    },
  };
  rigsOfThisFile.push(rig);
  return rig;
}

/** Puts the seeded keys marked current / previous into the vault, previous first, with old RotatedAt times. */
async function seedVault(
  vault: Vault,
  ref: (uin: number) => SecretRef,
  users: RigUser[],
  seeded: SeededKey[]
): Promise<void> {
  for (const user of users) {
    const mine = seeded.filter((seededKey) => seededKey.uin === user.uin);
    const specs = (user.keys ?? []).map((spec, index) => ({ spec, made: mine[index]! }));
    const ordered = [
      ...specs.filter(({ spec }) => spec.vault === "previous"),
      ...specs.filter(({ spec }) => (spec.vault ?? "current") === "current"),
    ];
    for (const [index, { made, spec }] of ordered.entries()) {
      const token = randomUUID(); // one token for every try: staging again with it is a no-op
      const { versionId } = await seedingTry(() =>
        vault.stagePending(ref(user.uin), token, {
          SecretId: made.accessKeyId,
          SecretKey: made.secretAccessKey,
          Uin: user.uin,
          Account: ACCOUNT,
          CreateTime: spec.createTime ?? "2025-01-01 08:00:00",
          RotatedAt: `2025-0${index + 1}-01T00:00:00.000Z`,
        })
      );
      await seedingTry(() => vault.promote(ref(user.uin), versionId));
    }
  }
}

/**
 * The rig's own setup, not what a test checks: moto, shared by every test file running at once, now and then answers
 * a call with HTTP 500 (seen in CI: "SyntaxError (HTTP 500)" on CreateSecret and DescribeSecret while seeding).
 * Both seeding calls are idempotent, so a transient failure is tried again a few times.
 */
async function seedingTry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= 4 || !(error instanceof VaultError) || error.kind !== "transient") throw error;
      await sleep(100 * attempt);
    }
  }
}

/** Adds the secret of every labelled vault version to `into`, so the scan also looks for them. */
async function collectVaultSecrets(vault: Vault, refs: SecretRef[], into: Set<string>): Promise<void> {
  for (const secretRef of refs) {
    try {
      const description = await vault.describe(secretRef);
      for (const version of [description.current, description.pending, description.previous]) {
        if (!version) continue;
        const value = await vault.readVersion(secretRef, version.versionId);
        if (value) into.add(value.SecretKey);
      }
    } catch {
      // A vault that is down at the end of its test: its secrets were seen by the test side already.
    }
  }
}

/** The scan over every rig of this file: Redis under their prefixes, their logs, every secret they saw. */
export async function scanRigs(rigs: Rig[] = rigsOfThisFile): Promise<ScanReport> {
  const redis = new Redis(inject("redisUrl"));
  try {
    return await scanForSecrets(
      redis,
      rigs.map((rig) => rig.prefix),
      rigs.flatMap((rig) => [...rig.secrets]),
      rigs.flatMap((rig) => rig.logs)
    );
  } finally {
    redis.disconnect();
  }
}

/** Follows a rotation through any parked re-checks to a final outcome. */
export async function waitPastParking(rig: Rig, jobId: string, timeoutMs = 20_000): Promise<RotationOutcome> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await rig.engine.waitForRotation(jobId, undefined, Math.max(1, deadline - Date.now()));
    if (outcome.kind !== "parked" || Date.now() > deadline) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  what = "condition"
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
