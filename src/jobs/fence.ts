// Fencing for BullMQ's job lock. A worker that cannot renew its lock (a Redis outage, a long pause) only hears an
// event from BullMQ while its job runs on, and once the lock lapses another worker may take the same rotation.
// So before every write to CAM or the vault a run checks that the job's lock in Redis still holds its token; if
// not, it stops with JobLockLost: the other owner carries on, and this attempt counts for nothing.
// The check and the write are not atomic (neither CAM nor the vault takes a condition from Redis): the fence
// shrinks the overlap to one Redis round trip before each write, from a whole rotation.
import type { Redis } from "ioredis";
import type { CamApi } from "../cam/types.js";
import type { Vault } from "../vault/port.js";
import { HAND_OFF_DEADLINE_MS } from "./rotate/hand-off.js";

/** The run no longer owns its job: it must stop before the write it was about to make. */
export class JobLockLost extends Error {
  override readonly name = "JobLockLost";
  constructor(
    readonly jobId: string,
    readonly operation: string
  ) {
    super(`job ${jobId} lost its lock before ${operation}: another worker owns it now`);
  }
}

export interface JobFence {
  /**
   * Resolves while the job's lock holds this run's token; rejects with JobLockLost otherwise. With `deadlineMs`,
   * a Redis that does not answer in time resolves too (the caller judged the write safe to make unfenced).
   */
  assertOwned(operation: string, deadlineMs?: number): Promise<void>;
}

const NO_ANSWER = Symbol("no answer");

/**
 * `queueQualifiedName` is BullMQ's `<prefix>:<queue>`; the lock is `<prefix>:<queue>:<jobId>:lock` and holds the
 * token of the worker that took the job. Without a token (the processor called outside a worker) nothing is fenced.
 */
export function createJobFence(
  redis: Redis,
  job: { id?: string | undefined; queueQualifiedName: string },
  token: string | undefined
): JobFence {
  const jobId = job.id ?? "";
  const lockKey = `${job.queueQualifiedName}:${jobId}:lock`;
  return {
    async assertOwned(operation, deadlineMs) {
      if (token === undefined) return;
      const read = redis.get(lockKey);
      let holder: string | null | typeof NO_ANSWER;
      if (deadlineMs === undefined) holder = await read;
      else {
        read.catch(() => undefined); // a late failure after the deadline has no one to tell
        let timer: NodeJS.Timeout | undefined;
        holder = await Promise.race([
          read,
          new Promise<typeof NO_ANSWER>((resolve) => {
            timer = setTimeout(() => resolve(NO_ANSWER), deadlineMs);
          }),
        ]);
        clearTimeout(timer);
      }
      if (holder !== NO_ANSWER && holder !== token) throw new JobLockLost(jobId, operation);
    },
  };
}

/** `call`, after the fence has seen the lock still ours (or, with `deadlineMs`, Redis did not answer in time). */
function behind<A extends unknown[], R>(
  fence: JobFence,
  operation: string,
  call: (...args: A) => Promise<R>,
  deadlineMs?: number
) {
  return async (...args: A): Promise<R> => {
    await fence.assertOwned(operation, deadlineMs);
    return call(...args);
  };
}

/** The CAM client with the fence before each write (CreateAccessKey, UpdateAccessKey, DeleteAccessKey). */
export function fencedCam(cam: CamApi, fence: JobFence): CamApi {
  return {
    ...cam,
    account: cam.account,
    createAccessKey: behind(fence, "CreateAccessKey", (targetUin) => cam.createAccessKey(targetUin)),
    updateAccessKey: behind(fence, "UpdateAccessKey", (targetUin, accessKeyId, status) =>
      cam.updateAccessKey(targetUin, accessKeyId, status)
    ),
    deleteAccessKey: behind(fence, "DeleteAccessKey", (targetUin, accessKeyId) =>
      cam.deleteAccessKey(targetUin, accessKeyId)
    ),
  };
}

/** The vault with the fence before each write (stage, promote, discard). */
export function fencedVault(vault: Vault, fence: JobFence): Vault {
  return {
    kind: vault.kind,
    identity: (ref) => vault.identity(ref),
    readCurrent: (ref) => vault.readCurrent(ref),
    readVersion: (ref, versionId) => vault.readVersion(ref, versionId),
    describe: (ref, options) => vault.describe(ref, options),
    listMetadata: (account, pageToken) => vault.listMetadata(account, pageToken),
    // The new secret lives only in memory until it is staged (P1, issue 15 item 6), so a silent Redis may delay
    // the stage by the hand-off deadline at most. Staging unfenced then is safe: it only adds a pending version
    // under a deterministic token; promote, discard and every CAM write stay strictly fenced.
    stagePending: behind(
      fence,
      "vault stagePending",
      (ref, token, value, hint) => vault.stagePending(ref, token, value, hint),
      HAND_OFF_DEADLINE_MS
    ),
    promote: behind(fence, "vault promote", (ref, versionId, hint) => vault.promote(ref, versionId, hint)),
    discardPending: behind(fence, "vault discardPending", (ref, versionId) => vault.discardPending(ref, versionId)),
    close: () => vault.close(),
  };
}
