// The source of the pre-existing-keys-in-use gauge. Working it out costs CAM calls (a listing and a last-use
// read per recorded user), so a scrape reuses the last figure for `maxAgeMs`; scrapes that arrive while a
// read is in flight share it.
import { countByAccount, findLegacyKeys, legacySources } from "../jobs/legacy.js";
import type { Runtime } from "./open-runtime.js";

export function preexistingInUseReader(
  runtime: () => Runtime,
  recordKey: Buffer | null,
  maxAgeMs = 15 * 60_000,
  clock: () => number = Date.now
): () => Promise<Record<string, number>> {
  let last: { at: number; counts: Record<string, number> } | undefined;
  let inFlight: Promise<Record<string, number>> | undefined;
  return async () => {
    if (last && clock() - last.at < maxAgeMs) return last.counts;
    inFlight ??= (async () => {
      const { config, redis, camFor } = runtime();
      const accounts = config.accounts.map((account) => account.name);
      const keys = await findLegacyKeys(legacySources(redis, config.redis.prefix, recordKey, camFor), accounts);
      last = { at: clock(), counts: countByAccount(keys, accounts) };
      return last.counts;
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
