// The legacy report (`cam-rotator legacy`, and the pre-existing-keys-in-use gauge): pre-existing keys
// (rotate/preexisting.ts) that still exist and were used after the rotator's first key became current. Those are
// the applications still signing with a key the team means to retire. Reads Redis and CAM; never a secret.
import type { Redis } from "ioredis";
import type { CamApi, KeyStatus } from "../cam/types.js";
import { engineKeys, type EngineKeys } from "./keys.js";
import { lastUseOf, usedSince } from "./key-removal.js";
import { createProgressStore, type ProgressStore } from "./progress.js";
import { createRecordSigner } from "./record-mac.js";

export interface LegacyKey {
  account: string;
  uin: number;
  accessKeyId: string;
  status: KeyStatus;
  /** When the rotator's first key became current (epoch ms). */
  since: number;
  /** Epoch ms of the last signed call as CAM reports it, or null when it reports only a day (lastUsedDay). */
  lastUsedAt: number | null;
  /** 00:00 UTC of the day CAM names as the last use (a day late in real CAM), or null. */
  lastUsedDay: number | null;
}

export interface LegacySources {
  redis: Redis;
  keys: EngineKeys;
  /** Checks each record's MAC: a forged pre-existing record is not reported. */
  progress: ProgressStore;
  camFor(account: string): CamApi;
}

/** Sources on the engine's Redis prefix; `recordKey` as the daemons have it (null: records are not checked). */
export function legacySources(
  redis: Redis,
  prefix: string,
  recordKey: Buffer | null,
  camFor: (account: string) => CamApi
): LegacySources {
  const keys = engineKeys(prefix);
  return {
    redis,
    keys,
    progress: createProgressStore(redis, keys, recordKey ? createRecordSigner(recordKey) : null),
    camFor,
  };
}

/** Pre-existing keys still in use, for the named accounts, by account, uin and key id. */
export async function findLegacyKeys(sources: LegacySources, accounts: readonly string[]): Promise<LegacyKey[]> {
  const wanted = new Set(accounts);
  const users = (await sources.redis.smembers(sources.keys.preexisting))
    .map(parseUser)
    .filter((user): user is { account: string; uin: number } => user !== null && wanted.has(user.account))
    .sort((a, b) => a.account.localeCompare(b.account) || a.uin - b.uin);
  const found: LegacyKey[] = [];
  for (const { account, uin } of users) {
    const preexisting = (await sources.progress.load(account, uin)).preexisting;
    if (!preexisting) continue;
    const cam = sources.camFor(account);
    const present = (await cam.listAccessKeys(uin)).filter((key) => preexisting.keyIds.includes(key.accessKeyId));
    for (const key of present.sort((a, b) => a.accessKeyId.localeCompare(b.accessKeyId))) {
      const lastUse = await lastUseOf(cam, key.accessKeyId);
      if (!usedSince(lastUse, preexisting.since)) continue;
      found.push({
        account,
        uin,
        accessKeyId: key.accessKeyId,
        status: key.status,
        since: preexisting.since,
        lastUsedAt: lastUse?.lastUsedAt ?? null,
        lastUsedDay: lastUse?.lastUsedDay ?? null,
      });
    }
  }
  return found;
}

/** The gauge's figure: pre-existing keys in use per account (0 for an account with none). */
export function countByAccount(keys: LegacyKey[], accounts: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(accounts.map((account) => [account, 0]));
  for (const key of keys) counts[key.account] = (counts[key.account] ?? 0) + 1;
  return counts;
}

function parseUser(member: string): { account: string; uin: number } | null {
  const slash = member.lastIndexOf("/");
  const uin = Number(member.slice(slash + 1));
  return slash > 0 && Number.isSafeInteger(uin) && uin > 0 ? { account: member.slice(0, slash), uin } : null;
}
