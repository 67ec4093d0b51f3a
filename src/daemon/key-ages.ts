// The "age of the oldest current key" gauge. It comes from the vault's metadata listing (the sweep plan with
// readValues: false: a page of 100 secrets per call, never a secret value; a secret without planning metadata
// counts as unknown rather than being read). Still a listing of the whole account, so one replica at a time
// samples it on a slow interval and stores when each account's oldest current key was created; every
// replica's /metrics turns that into an age at scrape time.
import type { Redis } from "ioredis";
import { DAY_MS } from "../config/index.js";
import type { Logger } from "../log.js";

export interface KeyAgePlanner {
  planSweep(account: string, options: { readValues: false }): Promise<Array<{ currentKeyAgeDays: number | null }>>;
}

export interface KeyAgeSampler {
  /** Per account, seconds since its oldest current key was created; null when no key is known. */
  read(now?: number): Promise<Record<string, number | null>>;
  /** Samples now, if no other replica sampled within the interval. */
  sample(): Promise<boolean>;
  stop(): void;
}

export interface KeyAgeSamplerOptions {
  redis: Redis;
  prefix: string;
  accounts: readonly string[];
  planner: KeyAgePlanner;
  log: Logger;
  intervalMs?: number;
  /** Delay of the first sample after start, so start-up is not slowed by CAM calls. */
  firstSampleMs?: number;
}

/** Held for an interval by the replica that sampled; whoever holds it keeps the others from sampling. */
export function keyAgeLockKey(prefix: string): string {
  return `${prefix}:metrics:oldest-key-lock`;
}

export function startKeyAgeSampler(options: KeyAgeSamplerOptions): KeyAgeSampler {
  const intervalMs = options.intervalMs ?? 15 * 60_000;
  const hashKey = `${options.prefix}:metrics:oldest-key-created`;
  const lockKey = keyAgeLockKey(options.prefix);

  async function sample(): Promise<boolean> {
    // One replica per interval: the lock expires by itself, so a replica that dies mid-sample costs one interval.
    const won = await options.redis.set(lockKey, String(process.pid), "PX", Math.max(intervalMs - 1_000, 1_000), "NX");
    if (won !== "OK") return false;
    const now = Date.now();
    for (const account of options.accounts) {
      try {
        const plan = await options.planner.planSweep(account, { readValues: false });
        const ages = plan.map((entry) => entry.currentKeyAgeDays).filter((age): age is number => age !== null);
        if (ages.length === 0) await options.redis.hdel(hashKey, account);
        else await options.redis.hset(hashKey, account, String(Math.round(now - Math.max(...ages) * DAY_MS)));
      } catch (error) {
        options.log.warn({ account, err: error }, "could not sample key ages");
      }
    }
    return true;
  }

  const timers: NodeJS.Timeout[] = [];
  const run = () =>
    void sample().catch((error: unknown) => options.log.warn({ err: error }, "key age sampling failed"));
  timers.push(setTimeout(run, options.firstSampleMs ?? 10_000).unref());
  timers.push(setInterval(run, intervalMs).unref());

  return {
    async read(now = Date.now()) {
      const stored = await options.redis.hgetall(hashKey);
      return Object.fromEntries(
        options.accounts.map((account) => {
          const created = Number(stored[account]);
          return [
            account,
            Number.isFinite(created) && stored[account] !== undefined ? Math.max(0, (now - created) / 1000) : null,
          ];
        })
      );
    },
    sample,
    stop: () => timers.forEach((timer) => clearTimeout(timer)),
  };
}
