// The gate for the rate-limiter-flexible baseline: one RateLimiterRedis per account and action, with the
// action's limit as points over a 1 s duration (its fixed window), shared by every process through Redis.
// A refused call sleeps until the window frees a point and asks again, as RLF's docs suggest; after a
// RequestLimitExceeded it waits the same penalty our gate imposes.
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { CamAction } from "../../src/cam/actions.js";
import type { CallGate } from "../../src/cam/limiter/gate.js";

export interface RateLimiterFlexibleGateOptions {
  redis: Redis;
  prefix: string;
  limitFor(account: string, action: CamAction): number;
  penaltyMs: number;
}

export function rateLimiterFlexibleGate(options: RateLimiterFlexibleGateOptions): CallGate {
  const limiters = new Map<string, RateLimiterRedis>();
  const limiterFor = (account: string, action: CamAction): RateLimiterRedis => {
    const key = `${account}:${action}`;
    let limiter = limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: options.redis,
        keyPrefix: `${options.prefix}:rlf:${key}`,
        points: options.limitFor(account, action),
        duration: 1,
      });
      limiters.set(key, limiter);
    }
    return limiter;
  };
  return {
    async admit(account, action) {
      const limiter = limiterFor(account, action);
      for (;;) {
        try {
          await limiter.consume("calls");
          return;
        } catch (refusal) {
          if (!(refusal instanceof RateLimiterRes)) throw refusal;
          await sleep(Math.max(1, refusal.msBeforeNext));
        }
      }
    },
    async penalize() {
      await sleep(options.penaltyMs);
    },
  };
}
