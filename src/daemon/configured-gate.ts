// The shared Redis limiter as the config describes it: each account's rate-limit overrides over Tencent's
// defaults, and the limiter section's wait, penalty, margin and key namespace. The daemon and check-config both
// use it, so every CAM call they make is counted in the same windows (P5). `limiterIdOf` says whose windows an
// account's calls count in (its owner UIN, owners.ts); without it, the account's name.
import type { Redis } from "ioredis";
import { createRedisGate, type LimiterEvent, type RedisGate } from "../cam/limiter/redis-gate.js";
import { accountRateLimits, type Config } from "../config/index.js";

export function createConfiguredGate(
  config: Config,
  redis: Redis,
  observe?: (event: LimiterEvent) => void,
  limiterIdOf?: (account: string) => string | Promise<string>
): RedisGate {
  return createRedisGate({
    redis,
    prefix: config.limiter.namespace,
    ...(limiterIdOf ? { limiterIdOf } : {}),
    limitFor: accountRateLimits(config),
    maxWaitMs: config.limiter.maxWait,
    penaltyMs: config.limiter.penalty,
    safetyMarginMs: config.limiter.safetyMargin,
    ...(observe ? { observe } : {}),
  });
}
