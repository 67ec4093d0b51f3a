// A node-cron RunCoordinator backed by Redis: of all the daemons sharing a Redis and a prefix, exactly one wins
// each schedule slot. node-cron's default coordinator only reads the NODE_CRON_RUN env var (a hand-picked
// leader, not a lock), so without this every replica would fire every slot.
import type { Cluster, Redis } from "ioredis";
import type { RunCoordinator } from "node-cron";

export interface RedisRunCoordinatorOptions {
  redis: Redis | Cluster;
  /** The deployment's Redis prefix; replicas that must elect among themselves share it. */
  prefix: string;
  /** Identifies this process in the lock value, for operators reading Redis. */
  owner: string;
  /**
   * How long a won slot stays claimed. node-cron passes its lease (distributedLease); the key must outlive the
   * clock skew between replicas, or a replica whose clock runs late would find the slot free again.
   */
  minLeaseMs?: number;
  onDecision?: (key: string, won: boolean) => void;
}

export const DEFAULT_MIN_LEASE_MS = 10 * 60_000;

export function coordinatorKey(prefix: string, slotKey: string): string {
  return `${prefix}:cron:${slotKey}`;
}

export function createRedisRunCoordinator(options: RedisRunCoordinatorOptions): RunCoordinator {
  const minLeaseMs = options.minLeaseMs ?? DEFAULT_MIN_LEASE_MS;
  return {
    // The key node-cron passes is "<task name>:<slot ISO time>"; SET NX makes the first replica the only one.
    async shouldRun(slotKey: string, ttlMs: number): Promise<boolean> {
      const lease = Math.max(Math.round(ttlMs), minLeaseMs);
      const reply = await options.redis.set(coordinatorKey(options.prefix, slotKey), options.owner, "PX", lease, "NX");
      const won = reply === "OK";
      options.onDecision?.(slotKey, won);
      return won;
    },
    // No onComplete: releasing the key would let a late replica run the same slot again.
  };
}
