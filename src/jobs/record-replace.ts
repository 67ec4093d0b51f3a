// One round trip for a record's rewrite when this process knows the record as stored: Redis replaces it only if
// it still holds exactly those fields (MAC included). Anything else (another writer, a forged or missing field)
// answers false, and the caller reads the record and handles it as before (a forgery is reported, not overwritten
// unseen).
import type { Redis } from "ioredis";

// ARGV: the count of the expected flat field list, that list, then the new flat field list.
const REPLACE_IF_UNCHANGED = `
local n = tonumber(ARGV[1])
local stored = redis.call("HGETALL", KEYS[1])
if #stored ~= n then return 0 end
local expected = {}
for i = 2, n, 2 do expected[ARGV[i]] = ARGV[i + 1] end
for i = 1, #stored, 2 do
  if expected[stored[i]] ~= stored[i + 1] then return 0 end
end
redis.call("DEL", KEYS[1])
if #ARGV > n + 1 then redis.call("HSET", KEYS[1], unpack(ARGV, n + 2)) end
return 1`;

type WithReplace = Redis & { camRotatorReplaceIfUnchanged(key: string, ...args: string[]): Promise<number> };

/** Replaces the hash at `key` by `next` if it holds exactly `expected`; false (nothing written) otherwise. */
export async function replaceIfUnchanged(
  redis: Redis,
  key: string,
  expected: Record<string, string>,
  next: Record<string, string>
): Promise<boolean> {
  const scripted = redis as WithReplace;
  // ioredis sends EVALSHA, and the script itself only when Redis lacks it (after a restart).
  if (typeof scripted.camRotatorReplaceIfUnchanged !== "function") {
    redis.defineCommand("camRotatorReplaceIfUnchanged", { numberOfKeys: 1, lua: REPLACE_IF_UNCHANGED });
  }
  const old = Object.entries(expected).flat();
  return (
    (await scripted.camRotatorReplaceIfUnchanged(key, String(old.length), ...old, ...Object.entries(next).flat())) === 1
  );
}
