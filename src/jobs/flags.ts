// Keys flagged for removal when a user is at the two-key limit and the rotator may not remove the other key on
// its own (P3). An operator approves (the rotator then deactivates and deletes the key) or dismisses (the key
// stays, the rotation stays parked until the key is gone, and it is not flagged again: dismissals are kept
// per key id, with their user, until the key is gone).
import type { Redis } from "ioredis";
import type { FlaggedKey } from "./engine.js";
import type { EngineKeys } from "./keys.js";

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

export function createFlagStore(redis: Redis, keys: EngineKeys): FlagStore {
  const get = async (accessKeyId: string) => parseFlag(await redis.hget(keys.flags, accessKeyId));
  return {
    get,
    async list() {
      const values = await redis.hvals(keys.flags);
      return values.map(parseFlag).filter((flag): flag is FlaggedKey => flag !== null)
        .sort((a, b) => a.flaggedAt - b.flaggedAt);
    },
    async raise(fields) {
      const flag: FlaggedKey = { ...fields, status: "pending" };
      const created = (await redis.hsetnx(keys.flags, fields.accessKeyId, JSON.stringify(flag))) === 1;
      return { flag: created ? flag : ((await get(fields.accessKeyId)) ?? flag), created };
    },
    async approve(accessKeyId) {
      const flag = await get(accessKeyId);
      if (!flag) return null;
      const approved: FlaggedKey = { ...flag, status: "approved" };
      await redis.hset(keys.flags, accessKeyId, JSON.stringify(approved));
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
      return [
        ...flags.map(parseFlag).filter((flag) => flag !== null && userOf(flag) === user).map((flag) => flag!.accessKeyId),
        ...Object.entries(dismissed).filter(([, owner]) => owner === user).map(([id]) => id),
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

function parseFlag(text: string | null): FlaggedKey | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as FlaggedKey;
  } catch {
    return null;
  }
}
