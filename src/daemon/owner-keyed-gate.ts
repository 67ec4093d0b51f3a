// The configured gate keyed by each account's owner UIN (owners.ts), and the directory that learns the owners.
// Learning is itself a CAM call (GetUserAppId) made before the owner is known, so it goes through a second gate
// keyed by the account's name: one call per account per process.
import type { CamClientDeps } from "../cam/client.js";
import type { LimiterEvent, RedisGate } from "../cam/limiter/redis-gate.js";
import type { CamApi } from "../cam/types.js";
import type { Config } from "../config/index.js";
import { createConfiguredGate } from "./configured-gate.js";
import { createOwnerDirectory, type OwnerDirectory } from "./owners.js";
import type { Redis } from "ioredis";

export function createOwnerKeyedGate(config: Config, redis: Redis,
  clientFor: (account: string, deps: CamClientDeps) => CamApi,
  observe?: (event: LimiterEvent) => void): { gate: RedisGate; owners: OwnerDirectory } {
  // Account names cannot contain ":", so these never meet an "owner-<uin>" key.
  const learningGate = createConfiguredGate(config, redis, observe, (account) => `account:${account}`);
  const owners = createOwnerDirectory(async (account) =>
    (await clientFor(account, { gate: learningGate }).getUserAppId()).ownerUin);
  const gate = createConfiguredGate(config, redis, observe, (account) => owners.limiterId(account));
  return { gate, owners };
}
