// A cross-process lock for the file vault: an exclusive lock file naming its owner's incarnation (see
// file-vault-lock-owner.ts), held under a lease. The file appears atomically (written to a temp file, then
// link()ed into place, which fails if it exists), so nobody ever reads a half-written lock. The holder renews
// its lease by touching the lock file's mtime; a lock whose lease ran out, or whose owner is provably gone, is
// broken. Any other lock is waited for, up to a bound, and then refused with a clear, transient error.
import { randomBytes } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import { link, open, readFile, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { FileVaultFault } from "./file-vault-fault.js";
import {
  DEFAULT_LEASE_MS,
  describeOwner,
  isBreakable,
  newOwner,
  parseOwner,
  type LockOwner,
} from "./file-vault-lock-owner.js";

export interface FileLockOptions {
  /** Give up waiting for another holder after this long. */
  timeoutMs: number;
  /** Base pause between attempts; a random part of the same size is added so waiters do not march in step. */
  pollMs?: number;
  /** The lease: renewed every third of it while held; others may break the lock once it ran out. Default 15 s. */
  leaseMs?: number;
}

/** A held lock: `confirm` checks it is still ours just before a commit, `release` gives it up. */
export interface HeldLock {
  confirm(): Promise<void>;
  release(): Promise<void>;
}

export async function withFileLock<T>(
  lockPath: string,
  options: FileLockOptions,
  body: (lock: HeldLock) => Promise<T>
): Promise<T> {
  const lock = await acquire(lockPath, options);
  try {
    return await body(lock);
  } finally {
    await lock.release();
  }
}

async function acquire(lockPath: string, options: FileLockOptions): Promise<HeldLock> {
  const owner = newOwner(options.leaseMs ?? DEFAULT_LEASE_MS);
  const content = JSON.stringify(owner);
  const temp = `${lockPath}.${process.pid}.${owner.nonce}.tmp`;
  // Kept open while the lock is held: renewing through it touches our own lock inode, never a successor's.
  const handle = await open(temp, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_RDWR, 0o600);
  let held = false;
  try {
    await handle.writeFile(content);
    const pollMs = options.pollMs ?? 10;
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const renewedAt = await touch(handle);
      try {
        await link(temp, lockPath);
        held = true;
        return heldLock(lockPath, content, owner, handle, renewedAt);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const seen = await readLock(lockPath);
      if (seen === undefined) continue; // released between our link and our read
      const holder = parseOwner(seen.content);
      if (!holder || isBreakable(holder, seen.renewedAt, Date.now())) {
        await breakStale(lockPath, seen.content, holder);
        continue;
      }
      if (Date.now() >= deadline)
        throw new FileVaultFault(
          "transient",
          `vault file is locked by ${describeOwner(holder, seen.renewedAt)} (lock file ` +
            `${lockPath}); gave up after ${options.timeoutMs} ms`
        );
      await sleep(pollMs + Math.random() * pollMs);
    }
  } finally {
    await unlink(temp).catch(() => undefined);
    if (!held) await handle.close().catch(() => undefined);
  }
}

function heldLock(
  lockPath: string,
  content: string,
  owner: LockOwner,
  handle: FileHandle,
  acquiredAt: number
): HeldLock {
  let renewedAt = acquiredAt;
  const renewal = setInterval(
    () => {
      touch(handle).then(
        (at) => {
          renewedAt = at;
        },
        () => undefined
      ); // a failed renewal lets the lease lapse: safe
    },
    Math.max(1, Math.floor(owner.leaseMs / 3))
  );
  renewal.unref();
  return {
    async confirm() {
      if (Date.now() > renewedAt + owner.leaseMs)
        throw new FileVaultFault(
          "transient",
          `the lease on the lock ${lockPath} ran out before writing (this process was ` +
            `stalled for over ${owner.leaseMs} ms, so another may have broken it); nothing was written`
        );
      if ((await readIfPresent(lockPath)) !== content)
        throw new FileVaultFault(
          "transient",
          `lost the lock ${lockPath} before writing (broken as stale by another process); nothing was written`
        );
    },
    async release() {
      clearInterval(renewal);
      try {
        if ((await readIfPresent(lockPath)) === content) await unlink(lockPath).catch(() => undefined);
      } finally {
        await handle.close().catch(() => undefined);
      }
    },
  };
}

/** Renews a lease: the lock file's mtime is when it was last renewed. Returns that time. */
async function touch(handle: FileHandle): Promise<number> {
  const now = Date.now();
  const at = new Date(now);
  await handle.utimes(at, at);
  return now;
}

async function readLock(path: string): Promise<{ content: string; renewedAt: number } | undefined> {
  try {
    const content = await readFile(path, "utf8");
    return { content, renewedAt: (await stat(path)).mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Moves the stale lock aside, then checks that what moved is the lock judged stale, still breakable (its holder
 * may have renewed it meanwhile). If not (another process broke it and took a fresh lock in between, or it was
 * renewed), it is put back; should that fail, its owner's confirm() notices before it writes anything.
 */
async function breakStale(lockPath: string, staleContent: string, holder: LockOwner | undefined): Promise<void> {
  const aside = `${lockPath}.stale.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const moved = await readLock(aside);
  const stillStale = moved?.content === staleContent && (!holder || isBreakable(holder, moved.renewedAt, Date.now()));
  if (!stillStale) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}
