// A cross-process lock for the file vault: an exclusive lock file holding the owner's pid, host and a nonce.
// The file appears atomically (written to a temp file, then link()ed into place, which fails if it exists), so
// nobody ever reads a half-written lock. A lock whose owner process is gone (same host, pid not alive) is stale
// and is broken; any other lock is waited for, up to a bound, and then refused with a clear, transient error.
import { randomBytes } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import { link, open, readFile, rename, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { FileVaultFault } from "./file-vault-fault.js";

export interface FileLockOptions {
  /** Give up waiting for another holder after this long. */
  timeoutMs: number;
  /** Base pause between attempts; a random part of the same size is added so waiters do not march in step. */
  pollMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  nonce: string;
  since: string;
}

/** A held lock: `confirm` checks it is still ours just before a commit, `release` gives it up. */
export interface HeldLock {
  confirm(): Promise<void>;
  release(): Promise<void>;
}

export async function withFileLock<T>(lockPath: string, options: FileLockOptions, body: (lock: HeldLock) => Promise<T>): Promise<T> {
  const lock = await acquire(lockPath, options);
  try {
    return await body(lock);
  } finally {
    await lock.release();
  }
}

async function acquire(lockPath: string, options: FileLockOptions): Promise<HeldLock> {
  const owner: LockOwner = { pid: process.pid, host: hostname(), nonce: randomBytes(8).toString("hex"), since: new Date().toISOString() };
  const content = JSON.stringify(owner);
  const temp = `${lockPath}.${process.pid}.${owner.nonce}.tmp`;
  const handle = await open(temp, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o600);
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  const pollMs = options.pollMs ?? 10;
  const deadline = Date.now() + options.timeoutMs;
  try {
    for (;;) {
      try {
        await link(temp, lockPath);
        return heldLock(lockPath, content);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const seen = await readIfPresent(lockPath);
      if (seen === undefined) continue; // released between our link and our read
      const holder = parseOwner(seen);
      if (!holder || isStale(holder)) {
        await breakStale(lockPath, seen);
        continue;
      }
      if (Date.now() >= deadline)
        throw new FileVaultFault("transient", `vault file is locked by pid ${holder.pid} on ${holder.host} since ` +
          `${holder.since} (lock file ${lockPath}); gave up after ${options.timeoutMs} ms`);
      await sleep(pollMs + Math.random() * pollMs);
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

function heldLock(lockPath: string, content: string): HeldLock {
  return {
    async confirm() {
      if ((await readIfPresent(lockPath)) !== content)
        throw new FileVaultFault("transient", `lost the lock ${lockPath} before writing (broken as stale by another process); nothing was written`);
    },
    async release() {
      if ((await readIfPresent(lockPath)) === content) await unlink(lockPath).catch(() => undefined);
    },
  };
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === "number" && typeof value.host === "string" && typeof value.nonce === "string")
      return { pid: value.pid, host: value.host, nonce: value.nonce, since: String(value.since) };
  } catch {
    // Not a lock we wrote (it always appears whole): treated as stale below.
  }
  return undefined;
}

/** Only a same-host owner can be checked; a lock from another host is waited for, never broken. */
function isStale(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Moves the stale lock aside, then checks that what moved is the lock judged stale. If another process broke it
 * and took a fresh lock in between, that fresh lock is put back; should that fail, its owner's confirm() notices
 * before it writes anything.
 */
async function breakStale(lockPath: string, staleContent: string): Promise<void> {
  const aside = `${lockPath}.stale.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const moved = await readIfPresent(aside);
  if (moved !== staleContent) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}
