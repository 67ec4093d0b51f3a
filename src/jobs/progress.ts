// The per-user progress record: what a rotation must remember across retries and crashes (step, attempt start,
// the create-in-flight guard, the new key id, the vault version id). One Redis hash, no secrets (P4): the new
// key's secret lives only in memory and in the vault. Its attempt fields license deleting a key as an orphan, so
// with a record key the whole record is authenticated (record-mac.ts).
import type { Redis } from "ioredis";
import type { EngineKeys } from "./keys.js";
import { MAC_FIELD, type RecordSigner, type RejectedRecord } from "./record-mac.js";
import { replaceIfUnchanged } from "./record-replace.js";

/**
 * Set right before CreateAccessKey and cleared once its answer (the new key id) is recorded. While it is set, a
 * CreateAccessKey may have succeeded whose answer was lost (a lost response, a crash): a key outside
 * `knownKeyIds` that the vault does not hold, created around `startedAt`, may be that key, or one an operator
 * added meanwhile. It is flagged for an operator, never deleted (P3): a guard never licenses a deletion. Ids, not
 * CreateTime alone, because CAM's CreateTime has no documented zone and hosts' clocks drift; the time only keeps
 * a key someone else added much later (a stale guard) from being flagged as possibly ours.
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

/** Keys the user held when the rotator first rotated them, which the vault never held (preexisting.ts). */
export interface PreexistingKeys {
  keyIds: string[];
  /** When the rotator's first key became current (epoch ms): use after this means someone still holds them. */
  since: number;
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
  /**
   * The keys the user held when the rotator first began rotating them (the vault held no key of theirs), before
   * any CreateAccessKey of ours. Noted once, so a key added during a failed first attempt is not among them.
   * Those still there at the first promotion are the user's pre-existing keys.
   */
  heldAtTakeover?: string[];
  preexisting?: PreexistingKeys;
}

const GUARD_FIELDS = ["knownKeyIds", "createStartedAt"];
const ATTEMPT_FIELDS = [
  "attemptId",
  "attemptStart",
  "vaultIdentity",
  ...GUARD_FIELDS,
  "newKeyId",
  "versionId",
  "oldKeyId",
  "promotedAt",
];

type AttemptUpdate = Partial<
  Pick<AttemptRecord, "newKeyId" | "versionId" | "oldKeyId" | "promotedAt" | "vaultIdentity">
> & { step?: string };

export interface ProgressStore {
  load(account: string, uin: number): Promise<ProgressRecord>;
  /** Starts a new attempt, forgetting any earlier one. */
  beginAttempt(
    account: string,
    uin: number,
    attempt: Pick<AttemptRecord, "attemptId" | "attemptStart" | "vaultIdentity">
  ): Promise<void>;
  /** Notes the keys held when the rotator takes the user over; a no-op once noted. */
  noteTakeover(account: string, uin: number, keyIds: string[]): Promise<void>;
  update(account: string, uin: number, fields: AttemptUpdate): Promise<void>;
  /**
   * A run enters `step`: the next write of the user's record carries it (no write of its own), so a step that
   * writes its record anyway costs no extra write. stepEnds writes it if no write of the step did.
   */
  stepBegins(account: string, uin: number, step: string): void;
  stepEnds(account: string, uin: number): Promise<void>;
  /** Right before CreateAccessKey. */
  guardCreate(account: string, uin: number, guard: CreateGuard): Promise<void>;
  /** CreateAccessKey answered: the new key id replaces the guard. */
  recordCreated(account: string, uin: number, newKeyId: string): Promise<void>;
  /** Reconcile dealt with what the guard and the new key id pointed at: forget both (and the vault version). */
  forgetNewKey(account: string, uin: number): Promise<void>;
  finish(account: string, uin: number, last: LastRotation): Promise<void>;
  /** Records the user's pre-existing keys (kept across rotations, signed with the rest of the record). */
  recordPreexisting(account: string, uin: number, preexisting: PreexistingKeys): Promise<void>;
}

/**
 * `signer`: every write re-signs the whole record (record-mac.ts), and a record whose MAC fails is ignored (read
 * as no record, and rewritten from nothing) and reported to `rejected`. Without a signer, nothing is signed or
 * checked. Writes read, change and replace the whole hash; one rotation per user (P6) means one writer per
 * record, and writes from this process are queued per record.
 */
export function createProgressStore(
  redis: Redis,
  keys: EngineKeys,
  signer: RecordSigner | null = null,
  rejected: RejectedRecord = () => undefined
): ProgressStore {
  const queued = new Map<string, Promise<unknown>>();
  /** Per record, the step a run entered that no write has carried yet. */
  const uncarried = new Map<string, string>();
  /**
   * Signed records as this process last read (verified) or wrote them, while a rotation runs: its next write then
   * needs no read of its own (record-replace.ts compares it in Redis). Forgotten when the attempt finishes, so it holds only users in rotation.
   */
  const known = new Map<string, { fields: Record<string, string>; mac: string }>();

  /**
   * The stored fields if they are authentic (MAC removed), else none. `remember`: a write's read, kept in `known`
   * (plain loads are not: `legacy` and the gauges load many users' records).
   */
  async function trusted(account: string, uin: number, remember = false): Promise<Record<string, string>> {
    const key = keys.progress(account, uin);
    const { [MAC_FIELD]: mac, ...fields } = await redis.hgetall(key);
    known.delete(key);
    if (!signer || (mac === undefined && Object.keys(fields).length === 0)) return fields;
    if (signer.verify(key, fields, mac)) {
      if (remember) known.set(key, { fields: { ...fields }, mac: mac! });
      return fields;
    }
    rejected({
      kind: "progress",
      scope: key,
      account,
      uin,
      why: mac === undefined ? "it carries no MAC" : "its MAC does not match",
    });
    return {};
  }

  /** Replaces the record in one round trip if it is still as this process knows it; false when it did not. */
  async function replaceKnown(key: string, change: (fields: Record<string, string>) => void): Promise<boolean> {
    const seen = known.get(key);
    if (!signer || !seen) return false;
    const fields = { ...seen.fields };
    change(fields);
    if (Object.keys(fields).length === 0) return false;
    const mac = signer.sign(key, fields);
    known.delete(key);
    if (
      !(await replaceIfUnchanged(
        redis,
        key,
        { ...seen.fields, [MAC_FIELD]: seen.mac },
        { ...fields, [MAC_FIELD]: mac }
      ))
    )
      return false;
    known.set(key, { fields, mac });
    return true;
  }

  function rewrite(account: string, uin: number, change: (fields: Record<string, string>) => void): Promise<void> {
    const key = keys.progress(account, uin);
    const step = uncarried.get(key);
    uncarried.delete(key);
    const changeWithStep = (fields: Record<string, string>) => {
      if (step !== undefined) fields.step = step;
      change(fields);
    };
    const write = async () => {
      if (await replaceKnown(key, changeWithStep)) return;
      const fields = await trusted(account, uin, true);
      changeWithStep(fields);
      const transaction = redis.multi().del(key);
      const mac = signer && Object.keys(fields).length > 0 ? signer.sign(key, fields) : undefined;
      if (Object.keys(fields).length > 0) transaction.hset(key, mac ? { ...fields, [MAC_FIELD]: mac } : fields);
      known.delete(key);
      await transaction.exec();
      if (mac) known.set(key, { fields, mac });
    };
    const next = (queued.get(key) ?? Promise.resolve()).then(write, write);
    queued.set(key, next);
    void next
      .finally(() => {
        if (queued.get(key) === next) queued.delete(key);
      })
      .catch(() => undefined);
    return next;
  }
  const drop = (fields: Record<string, string>, names: string[]) => names.forEach((name) => delete fields[name]);

  return {
    async load(account, uin) {
      return parseProgress(await trusted(account, uin));
    },
    beginAttempt: (account, uin, attempt) =>
      rewrite(account, uin, (fields) => {
        drop(fields, ATTEMPT_FIELDS);
        Object.assign(fields, {
          attemptId: attempt.attemptId,
          attemptStart: String(attempt.attemptStart),
          ...(attempt.vaultIdentity ? { vaultIdentity: attempt.vaultIdentity } : {}),
          step: "inspect",
        });
      }),
    noteTakeover: (account, uin, keyIds) =>
      rewrite(account, uin, (fields) => {
        fields.heldAtTakeover ??= keyIds.join(",");
      }),
    update: (account, uin, update) =>
      rewrite(account, uin, (fields) => {
        for (const [name, value] of Object.entries(update)) if (value !== undefined) fields[name] = String(value);
      }),
    stepBegins: (account, uin, step) => {
      uncarried.set(keys.progress(account, uin), step);
    },
    stepEnds: async (account, uin) => {
      if (uncarried.has(keys.progress(account, uin))) await rewrite(account, uin, () => undefined);
    },
    guardCreate: (account, uin, guard) =>
      rewrite(account, uin, (fields) => {
        Object.assign(fields, {
          knownKeyIds: guard.knownKeyIds.join(","),
          createStartedAt: String(guard.startedAt),
          step: "create",
        });
      }),
    recordCreated: (account, uin, newKeyId) =>
      rewrite(account, uin, (fields) => {
        drop(fields, GUARD_FIELDS);
        fields.newKeyId = newKeyId;
      }),
    forgetNewKey: (account, uin) =>
      rewrite(account, uin, (fields) => drop(fields, ["newKeyId", "versionId", ...GUARD_FIELDS])),
    finish: async (account, uin, last) => {
      await rewrite(account, uin, (fields) => {
        drop(fields, ATTEMPT_FIELDS);
        Object.assign(fields, {
          lastRunId: last.runId,
          lastNewKeyId: last.newKeyId,
          lastPreviousKeyId: last.previousKeyId ?? "",
          lastRotatedAt: String(last.rotatedAt),
        });
      });
      known.delete(keys.progress(account, uin));
    },
    recordPreexisting: async (account, uin, preexisting) => {
      await rewrite(account, uin, (fields) =>
        Object.assign(fields, {
          preexistingKeyIds: preexisting.keyIds.join(","),
          preexistingSince: String(preexisting.since),
        })
      );
      // The index lets `legacy` and the in-use gauge find these users without scanning every record.
      await redis.sadd(keys.preexisting, `${account}/${uin}`);
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
      ...(hash.createStartedAt
        ? {
            createGuard: {
              knownKeyIds: hash.knownKeyIds ? hash.knownKeyIds.split(",") : [],
              startedAt: Number(hash.createStartedAt),
            },
          }
        : {}),
      ...(hash.newKeyId ? { newKeyId: hash.newKeyId } : {}),
      ...(hash.versionId ? { versionId: hash.versionId } : {}),
      ...(hash.oldKeyId ? { oldKeyId: hash.oldKeyId } : {}),
      ...(hash.promotedAt ? { promotedAt: Number(hash.promotedAt) } : {}),
    };
  }
  if (hash.heldAtTakeover !== undefined)
    record.heldAtTakeover = hash.heldAtTakeover ? hash.heldAtTakeover.split(",") : [];
  if (hash.preexistingKeyIds && hash.preexistingSince) {
    record.preexisting = { keyIds: hash.preexistingKeyIds.split(","), since: Number(hash.preexistingSince) };
  }
  if (hash.lastRunId && hash.lastNewKeyId) {
    record.last = {
      runId: hash.lastRunId,
      newKeyId: hash.lastNewKeyId,
      previousKeyId: hash.lastPreviousKeyId || null,
      rotatedAt: Number(hash.lastRotatedAt ?? 0),
    };
  }
  return record;
}
