// Keys flagged for removal when a user is at the two-key limit and the rotator may not remove the other key on
// its own (P3). An operator approves (the rotator then deactivates and deletes the key) or dismisses (the key
// stays, the rotation stays parked until the key is gone, and it is not flagged again: dismissals are kept
// per key id, with their user, until the key is gone). An approval licenses a removal, so with a record key
// every flag is authenticated (record-mac.ts).
import type { Redis } from "ioredis";
import type { FlaggedKey } from "./engine/face.js";
import type { EngineKeys } from "./keys.js";
import { MAC_FIELD, type RecordSigner, type RejectedRecord } from "./record-mac.js";

export interface FlagStore {
  get(accessKeyId: string): Promise<FlaggedKey | null>;
  list(): Promise<FlaggedKey[]>;
  /** Records a pending flag unless one exists; returns the stored flag and whether it is new. */
  raise(flag: Omit<FlaggedKey, "status">): Promise<{ flag: FlaggedKey; created: boolean }>;
  approve(accessKeyId: string): Promise<FlaggedKey | null>;
  dismiss(accessKeyId: string): Promise<FlaggedKey | null>;
  isDismissed(accessKeyId: string): Promise<boolean>;
  /** Ids of flagged or dismissed keys of one user. */
  keyIdsOf(account: string, uin: number): Promise<string[]>;
  /** The key is gone: drop its flag and any dismissal. */
  clear(accessKeyId: string): Promise<void>;
}

/**
 * `signer`: each stored flag carries a MAC over all its fields and its key id (record-mac.ts). A flag that fails
 * it is ignored: get() reports it to `rejected` (an alert) and answers null, so a forged approval never licenses
 * a removal; list() leaves it out; raise() writes a genuine flag over it. Without a signer nothing is checked.
 */
export function createFlagStore(
  redis: Redis,
  keys: EngineKeys,
  signer: RecordSigner | null = null,
  rejected: RejectedRecord = () => undefined
): FlagStore {
  const scopeOf = (accessKeyId: string) => `${keys.flags}/${accessKeyId}`;
  const serialize = (flag: FlaggedKey) =>
    JSON.stringify(signer ? { ...flag, [MAC_FIELD]: signer.sign(scopeOf(flag.accessKeyId), macFields(flag)) } : flag);
  const read = (accessKeyId: string, text: string | null) =>
    parseFlag(text, (fields, mac) => !signer || signer.verify(scopeOf(accessKeyId), fields, mac));
  const get = async (accessKeyId: string) => {
    const parsed = read(accessKeyId, await redis.hget(keys.flags, accessKeyId));
    if (parsed?.authentic === false)
      rejected({
        kind: "flag",
        scope: scopeOf(accessKeyId),
        keyId: accessKeyId,
        why: "its MAC does not match or is missing",
      });
    return parsed?.authentic ? parsed.flag : null;
  };
  return {
    get,
    async list() {
      const entries = Object.entries(await redis.hgetall(keys.flags));
      return entries
        .map(([id, text]) => read(id, text))
        .filter((parsed) => parsed?.authentic === true)
        .map((parsed) => parsed!.flag)
        .sort((a, b) => a.flaggedAt - b.flaggedAt);
    },
    async raise(fields) {
      const flag: FlaggedKey = { ...fields, status: "pending" };
      if ((await redis.hsetnx(keys.flags, fields.accessKeyId, serialize(flag))) === 1) return { flag, created: true };
      const existing = read(fields.accessKeyId, await redis.hget(keys.flags, fields.accessKeyId));
      if (existing?.authentic) return { flag: existing.flag, created: false };
      await redis.hset(keys.flags, fields.accessKeyId, serialize(flag)); // over a forged or unreadable entry
      return { flag, created: true };
    },
    async approve(accessKeyId) {
      const flag = await get(accessKeyId);
      if (!flag) return null;
      const approved: FlaggedKey = { ...flag, status: "approved" };
      await redis.hset(keys.flags, accessKeyId, serialize(approved));
      return approved;
    },
    async dismiss(accessKeyId) {
      const flag = await get(accessKeyId);
      if (!flag) return null;
      await redis.multi().hdel(keys.flags, accessKeyId).hset(keys.dismissed, accessKeyId, userOf(flag)).exec();
      return flag;
    },
    async isDismissed(accessKeyId) {
      return (await redis.hexists(keys.dismissed, accessKeyId)) === 1;
    },
    async keyIdsOf(account, uin) {
      const user = userOf({ account, uin });
      const [flags, dismissed] = await Promise.all([redis.hvals(keys.flags), redis.hgetall(keys.dismissed)]);
      // Forged entries too: this is for clearing entries of keys that are gone.
      return [
        ...flags
          .map((text) => parseFlag(text, () => true)?.flag)
          .filter((flag) => flag !== undefined && userOf(flag) === user)
          .map((flag) => flag!.accessKeyId),
        ...Object.entries(dismissed)
          .filter(([, owner]) => owner === user)
          .map(([id]) => id),
      ];
    },
    async clear(accessKeyId) {
      await redis.multi().hdel(keys.flags, accessKeyId).hdel(keys.dismissed, accessKeyId).exec();
    },
  };
}

function userOf(flag: { account: string; uin: number }): string {
  return `${flag.account}/${flag.uin}`;
}

/** Every field, whoever adds it, as text: the MAC covers the whole stored flag. */
function macFields(flag: object): Record<string, string> {
  return Object.fromEntries(
    Object.entries(flag)
      .filter(([name]) => name !== MAC_FIELD)
      .map(([name, value]) => [name, JSON.stringify(value)])
  );
}

function parseFlag(
  text: string | null,
  authentic: (fields: Record<string, string>, mac: string | undefined) => boolean
): { flag: FlaggedKey; authentic: boolean } | undefined {
  if (!text) return undefined;
  try {
    const { [MAC_FIELD]: mac, ...flag } = JSON.parse(text) as FlaggedKey & { [MAC_FIELD]?: unknown };
    return { flag, authentic: authentic(macFields(flag), typeof mac === "string" ? mac : undefined) };
  } catch {
    return undefined;
  }
}
