// Who holds a file-vault lock, and when a lock may be broken. A lock names its owner's incarnation: a random
// token drawn once per process (what identity rests on), plus the boot id, pid and process start time for
// people reading the lock file. A pid alone is not an identity: in a container node runs as pid 1, and a
// restarted container keeps its hostname, so a dead incarnation's lock can carry a live pid (our own).
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

export interface LockOwner {
  /** Random per process: two incarnations never share it, whatever their pid and host. */
  token: string;
  pid: number;
  host: string;
  /** The kernel's boot id where readable (Linux), else "". */
  bootId: string;
  /** When this process started (ISO time). */
  startedAt: string;
  /** Random per acquisition, so each held lock's content is unique. */
  nonce: string;
  since: string;
  /** How long the lock stays valid after its last renewal (the lock file's mtime). */
  leaseMs: number;
}

const PROCESS_TOKEN = randomBytes(16).toString("hex");
const BOOT_ID = readBootId();
const STARTED_AT = new Date(Math.round(performance.timeOrigin)).toISOString();

export function newOwner(leaseMs: number): LockOwner {
  return {
    token: PROCESS_TOKEN,
    pid: process.pid,
    host: hostname(),
    bootId: BOOT_ID,
    startedAt: STARTED_AT,
    nonce: randomBytes(8).toString("hex"),
    since: new Date().toISOString(),
    leaseMs,
  };
}

/** The owner a lock file names; undefined for a file that is not a lock we wrote (treated as stale). */
export function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid !== "number" || typeof value.host !== "string" || typeof value.nonce !== "string")
      return undefined;
    return {
      pid: value.pid,
      host: value.host,
      nonce: value.nonce,
      since: String(value.since),
      token: typeof value.token === "string" ? value.token : "",
      bootId: typeof value.bootId === "string" ? value.bootId : "",
      startedAt: typeof value.startedAt === "string" ? value.startedAt : "",
      // A lock written before leases existed: the default lease, counted from its mtime.
      leaseMs: typeof value.leaseMs === "number" && value.leaseMs > 0 ? value.leaseMs : DEFAULT_LEASE_MS,
    };
  } catch {
    return undefined;
  }
}

export const DEFAULT_LEASE_MS = 15_000;

/**
 * A lock may be broken when its lease ran out (its holder stopped renewing it: dead, or frozen, and then its
 * confirm() refuses to write), or, without waiting, when its holder is provably gone: an earlier boot of this
 * host, or a pid that is not alive on this host. Another incarnation that reuses our own pid is not provably
 * gone by the pid (it might be a twin in another pid namespace with our hostname), so it waits for the lease.
 */
export function isBreakable(owner: LockOwner, renewedAt: number, now: number): boolean {
  if (now > renewedAt + owner.leaseMs) return true;
  if (owner.host !== hostname()) return false;
  if (owner.bootId !== "" && BOOT_ID !== "" && owner.bootId !== BOOT_ID) return true;
  if (owner.token === PROCESS_TOKEN || owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** For error messages: who holds the lock and until when, no secrets in it. */
export function describeOwner(owner: LockOwner, renewedAt: number): string {
  return (
    `pid ${owner.pid} on ${owner.host} since ${owner.since} (incarnation ${owner.token.slice(0, 8) || "unknown"}, ` +
    `started ${owner.startedAt || "unknown"}${owner.bootId ? `, boot ${owner.bootId}` : ""}; lease until ` +
    `${new Date(renewedAt + owner.leaseMs).toISOString()})`
  );
}

function readBootId(): string {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "";
  }
}
