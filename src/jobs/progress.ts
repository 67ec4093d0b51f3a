// The per-user progress record: what a rotation must remember across retries and crashes (step, attempt start,
// the create-in-flight guard, the new key id, the vault version id). One Redis hash, no secrets (P4): the new
// key's secret lives only in memory and in the vault.
import type { Redis } from "ioredis";
import type { EngineKeys } from "./keys.js";

/**
 * Set right before CreateAccessKey and cleared once its answer (the new key id) is recorded. While it is set, a
 * CreateAccessKey may have succeeded whose answer was lost (a lost response, a crash): a key outside
 * `knownKeyIds` that the vault does not hold, created around `startedAt`, is that key, an orphan (P1). Ids, not
 * CreateTime alone, because CAM's CreateTime has no documented zone and hosts' clocks drift; the time only keeps
 * a key someone else added much later (a stale guard) from being taken for ours (P3).
 */
export interface CreateGuard {
  knownKeyIds: string[];
  startedAt: number;
}

export interface AttemptRecord {
  attemptId: string;
  attemptStart: number;
  /**
   * The vault this attempt writes to (Vault.identity: type, region, endpoint, secret name; or host and file path).
   * Only in that vault does "the vault does not hold the key" prove anything. Absent in records written before
   * identities were recorded: such a record proves nothing about any vault.
   */
  vaultIdentity?: string;
  createGuard?: CreateGuard;
  newKeyId?: string;
  versionId?: string;
  /** The key the vault held as current when this attempt promoted; it is the one to retire. */
  oldKeyId?: string;
  promotedAt?: number;
}

export interface LastRotation {
  /** `<job id>@<job timestamp>` of the run that finished it: a re-run of the same job returns, not rotates. */
  runId: string;
  newKeyId: string;
  previousKeyId: string | null;
  rotatedAt: number;
}

export interface ProgressRecord {
  step?: string;
  attempt?: AttemptRecord;
  last?: LastRotation;
}

const GUARD_FIELDS = ["knownKeyIds", "createStartedAt"];
const ATTEMPT_FIELDS = ["attemptId", "attemptStart", "vaultIdentity", ...GUARD_FIELDS, "newKeyId", "versionId", "oldKeyId", "promotedAt"];

type AttemptUpdate = Partial<Pick<AttemptRecord, "newKeyId" | "versionId" | "oldKeyId" | "promotedAt" | "vaultIdentity">> & { step?: string };

export interface ProgressStore {
  load(account: string, uin: number): Promise<ProgressRecord>;
  /** Starts a new attempt, forgetting any earlier one. */
  beginAttempt(account: string, uin: number, attempt: Pick<AttemptRecord, "attemptId" | "attemptStart" | "vaultIdentity">): Promise<void>;
  update(account: string, uin: number, fields: AttemptUpdate): Promise<void>;
  /** Right before CreateAccessKey. */
  guardCreate(account: string, uin: number, guard: CreateGuard): Promise<void>;
  /** CreateAccessKey answered: the new key id replaces the guard. */
  recordCreated(account: string, uin: number, newKeyId: string): Promise<void>;
  /** Reconcile dealt with what the guard and the new key id pointed at: forget both (and the vault version). */
  forgetNewKey(account: string, uin: number): Promise<void>;
  finish(account: string, uin: number, last: LastRotation): Promise<void>;
}

export function createProgressStore(redis: Redis, keys: EngineKeys): ProgressStore {
  return {
    async load(account, uin) {
      return parseProgress(await redis.hgetall(keys.progress(account, uin)));
    },
    async beginAttempt(account, uin, attempt) {
      const key = keys.progress(account, uin);
      await redis.multi()
        .hdel(key, ...ATTEMPT_FIELDS)
        .hset(key, { attemptId: attempt.attemptId, attemptStart: String(attempt.attemptStart),
          ...(attempt.vaultIdentity ? { vaultIdentity: attempt.vaultIdentity } : {}), step: "inspect" })
        .exec();
    },
    async update(account, uin, fields) {
      const entries = Object.entries(fields).filter(([, value]) => value !== undefined).map(([name, value]) => [name, String(value)]);
      if (entries.length > 0) await redis.hset(keys.progress(account, uin), Object.fromEntries(entries));
    },
    async guardCreate(account, uin, guard) {
      await redis.hset(keys.progress(account, uin), { knownKeyIds: guard.knownKeyIds.join(","),
        createStartedAt: String(guard.startedAt), step: "create" });
    },
    async recordCreated(account, uin, newKeyId) {
      const key = keys.progress(account, uin);
      await redis.multi().hset(key, "newKeyId", newKeyId).hdel(key, ...GUARD_FIELDS).exec();
    },
    async forgetNewKey(account, uin) {
      await redis.hdel(keys.progress(account, uin), "newKeyId", "versionId", ...GUARD_FIELDS);
    },
    async finish(account, uin, last) {
      const key = keys.progress(account, uin);
      await redis.multi()
        .hdel(key, ...ATTEMPT_FIELDS)
        .hset(key, { lastRunId: last.runId, lastNewKeyId: last.newKeyId, lastPreviousKeyId: last.previousKeyId ?? "",
          lastRotatedAt: String(last.rotatedAt) })
        .exec();
    },
  };
}

export function parseProgress(hash: Record<string, string>): ProgressRecord {
  const record: ProgressRecord = {};
  if (hash.step) record.step = hash.step;
  if (hash.attemptId) {
    record.attempt = {
      attemptId: hash.attemptId,
      attemptStart: Number(hash.attemptStart ?? 0),
      ...(hash.vaultIdentity ? { vaultIdentity: hash.vaultIdentity } : {}),
      ...(hash.createStartedAt ? { createGuard: { knownKeyIds: hash.knownKeyIds ? hash.knownKeyIds.split(",") : [],
        startedAt: Number(hash.createStartedAt) } } : {}),
      ...(hash.newKeyId ? { newKeyId: hash.newKeyId } : {}),
      ...(hash.versionId ? { versionId: hash.versionId } : {}),
      ...(hash.oldKeyId ? { oldKeyId: hash.oldKeyId } : {}),
      ...(hash.promotedAt ? { promotedAt: Number(hash.promotedAt) } : {}),
    };
  }
  if (hash.lastRunId && hash.lastNewKeyId) {
    record.last = { runId: hash.lastRunId, newKeyId: hash.lastNewKeyId,
      previousKeyId: hash.lastPreviousKeyId || null, rotatedAt: Number(hash.lastRotatedAt ?? 0) };
  }
  return record;
}
