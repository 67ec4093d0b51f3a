// The configured gate keyed by each account's owner UIN (owners.ts), and the directory that learns the owners.
// Learning is itself a call (STS GetCallerIdentity, else GetUserAppId) made before the owner is known, so it goes through a second gate
// keyed by the account's name: one call per account per process.
import type { CamClientDeps } from "../cam/client.js";
import type { LimiterEvent, RedisGate } from "../cam/limiter/redis-gate.js";
import type { CamApi } from "../cam/types.js";
import type { Config } from "../config/index.js";
import { createConfiguredGate } from "./configured-gate.js";
import { createOwnerDirectory, type OwnerDirectory } from "./owners.js";
import type { Redis } from "ioredis";

export function createOwnerKeyedGate(
  config: Config,
  redis: Redis,
  clientFor: (account: string, deps: CamClientDeps) => CamApi,
  observe?: (event: LimiterEvent) => void
): { gate: RedisGate; owners: OwnerDirectory } {
  // Account names cannot contain ":", so these never meet an "owner-<uin>" key.
  const learningGate = createConfiguredGate(config, redis, observe, (account) => `account:${account}`);
  // STS GetCallerIdentity needs no CAM permission (its AccountId is the owner), so a policy without
  // cam:GetUserAppId still works; GetUserAppId answers when STS cannot be reached for this key.
  const owners = createOwnerDirectory(async (account) => {
    const client = clientFor(account, { gate: learningGate });
    try {
      return (await client.callerIdentity()).accountId;
    } catch {
      return (await client.getUserAppId()).ownerUin;
    }
  });
  const gate = createConfiguredGate(config, redis, observe, (account) => owners.limiterId(account));
  return { gate, owners };
}
