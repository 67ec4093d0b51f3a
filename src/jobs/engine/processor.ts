// The BullMQ processor: runs rotate, retire and sweep jobs and turns how they end into what BullMQ should do.
// - limiter says wait long: the job moves itself to delayed (not an attempt) and frees its slot;
// - parked: delayed until rotation.parkRecheck, or until an approval promotes it;
// - transient: thrown, so BullMQ retries with backoff and jitter within rotation.attempts;
// - permanent: UnrecoverableError, failing at once with the reason;
// - an account this config lacks (a rolling deploy adding it): handed back, delayed, for a daemon that has it;
// - the job lock lost (fence.ts): the run stops before its next write and records nothing; the owner carries on.
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { RotationOutcome } from "./face.js";
import { accountSchema, type AccountConfig } from "../../config/schema.js";
import { retireDeps, rotationDeps, sweepDeps, type EngineContext } from "./context.js";
import { createJobFence, fencedCam, fencedVault, JobLockLost } from "../fence.js";
import { classifyFailure, RotationError } from "../failures.js";
import type { JobName, RetireJobData, RotateJobData, RotateProgress, RotateStep, SweepJobData } from "../queue.js";
import { retireKey, type RetireResult } from "../retire.js";
import { rotateUser } from "../rotate/run.js";
import { RunStopping, type StepHooks } from "../rotate/steps.js";
import { planSweep } from "../sweep.js";
import { awaitTurn } from "../turns.js";

type Processor = (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown>;

/**
 * How long a job for an account this daemon lacks waits before any daemon looks at it again: a rolling deploy
 * brings up one that has it within minutes, and each hand-back is an alert (log and metric).
 */
export const UNKNOWN_ACCOUNT_RECHECK_MS = 60_000;

export function createProcessor(ctx: EngineContext): Processor {
  return async (job, token, signal) => {
    const name = job.name as JobName;
    switch (name) {
      case "rotate":
        return processRotate(ctx, job as Job<RotateJobData>, token, signal);
      case "retire":
        return processRetire(ctx, job as Job<RetireJobData>, token);
      case "sweep":
        return processSweep(ctx, job as Job<SweepJobData>, token);
      default: {
        const unknown: never = name;
        throw new UnrecoverableError(`unknown job name "${String(unknown)}"`);
      }
    }
  };
}

async function processRotate(
  ctx: EngineContext,
  job: Job<RotateJobData>,
  token: string | undefined,
  signal: AbortSignal | undefined
): Promise<RotationOutcome> {
  const { account: accountName, uin } = job.data;
  const account = knownAccount(ctx, accountName);
  if (!account) return handBackUnknown(ctx, job, token);
  if (ctx.turns) {
    const turnAt = await awaitTurn(ctx.turns, accountName, job.progress);
    if (turnAt !== undefined) {
      await job.updateProgress({ step: "deferred", turnAt } satisfies RotateProgress);
      return delay(job, token, turnAt - Date.now());
    }
  }
  const fence = createJobFence(ctx.connection, job, token);
  const plain = rotationDeps(ctx, account);
  const deps = { ...plain, cam: fencedCam(plain.cam, fence), vault: fencedVault(plain.vault, fence) };
  const run = {
    account: accountName,
    uin,
    ref: { account: accountName, uin },
    runId: `${job.id}@${job.timestamp}`,
    force: job.data.force,
  };
  const wasParked = (job.progress as RotateProgress | undefined)?.step === "parked";
  const log = ctx.log.child({ job: job.id, account: accountName, uin });
  const { progress, events, outcomes, parked } = ctx.records;
  // BullMQ's progress (a Lua script and an event per write) is read for deferred and parked jobs only: cleared once
  // when such a job runs again, so neither a spent turn nor a parked state outlives this run.
  if (typeof job.progress === "object")
    await bookkeeping(log, () => job.updateProgress({ step: "inspect" } satisfies RotateProgress));
  // The step under way lives in the progress record (status reads it there): the step's own record write carries
  // it, or one write when the step ends, so at most one write per step transition. Steps that may wait long
  // (CAM slots, propagation) write it as they begin, so status does not show the previous step meanwhile.
  let current: RotateStep | undefined;
  const hooks: StepHooks = {
    async begin(step) {
      current = step;
      progress.stepBegins(accountName, uin, step);
      if (step === "makeRoom" || step === "verify") await bookkeeping(log, () => progress.stepEnds(accountName, uin));
    },
    async done(step) {
      await bookkeeping(log, () =>
        Promise.all([
          progress.stepEnds(accountName, uin),
          events.append({ account: accountName, uin, step, type: "step-done" }),
        ])
      );
      ctx.seams.afterStep?.(step);
    },
    stopping: () => signal?.aborted ?? false,
  };
  try {
    const outcome = await rotateUser(deps, run, hooks);
    await outcomes.save(job.id!, job.timestamp, outcome);
    await parked.remove(job.id!);
    if (outcome.kind === "skipped")
      await events.append({
        account: accountName,
        uin,
        step: "inspect",
        type: "rotation-skipped",
        detail: outcome.reason,
      });
    log.info({ outcome: outcome.kind }, "rotation finished");
    ctx.observer?.rotationFinished?.(outcome);
    return outcome;
  } catch (error) {
    const failure = classifyFailure(error);
    const who = { account: accountName, uin };
    if (error instanceof RunStopping) return handBack(job, token);
    if (error instanceof JobLockLost) return lockLost(ctx, job, error);
    switch (failure.kind) {
      case "deferred":
        await bookkeeping(log, () => job.updateProgress({ step: "deferred" } satisfies RotateProgress));
        return delay(job, token, failure.retryAfterMs);
      case "parked": {
        await job.updateProgress({
          step: "parked",
          flaggedKeyId: failure.flaggedKeyId,
          reason: failure.reason,
        } satisfies RotateProgress);
        await parked.add(job.id!);
        if (!wasParked) {
          await events.append({
            ...who,
            step: "makeRoom",
            type: "rotation-parked",
            keyId: failure.flaggedKeyId,
            detail: failure.reason,
          });
          ctx.observer?.rotationFinished?.({
            kind: "parked",
            ...who,
            flaggedKeyId: failure.flaggedKeyId,
            reason: failure.reason,
          });
        }
        await job.moveToDelayed(Date.now() + ctx.config.rotation.parkRecheck, token);
        // An approval that landed while this run was deciding to park must not wait for the next re-check.
        if ((await ctx.records.flags.get(failure.flaggedKeyId))?.status === "approved")
          await job.promote().catch(() => undefined);
        throw new DelayedError();
      }
      case "transient":
      case "permanent": {
        const final = failure.kind === "permanent" || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        log.warn({ reason: failure.reason, final }, "rotation attempt failed");
        await events.append({
          ...who,
          step: current ?? "rotate",
          type: final ? "rotation-failed" : "attempt-failed",
          detail: failure.reason,
        });
        if (final) {
          const outcome: RotationOutcome = { kind: "failed", ...who, reason: failure.reason };
          await outcomes.save(job.id!, job.timestamp, outcome);
          await parked.remove(job.id!);
          ctx.observer?.rotationFinished?.(outcome);
        }
        throw failure.kind === "permanent"
          ? new UnrecoverableError(failure.reason)
          : new RotationError("transient", failure.reason);
      }
      default: {
        const unreachable: never = failure;
        throw new Error(`unhandled failure ${JSON.stringify(unreachable)}`);
      }
    }
  }
}

async function processRetire(
  ctx: EngineContext,
  job: Job<RetireJobData>,
  token: string | undefined
): Promise<RetireResult> {
  const account = knownAccount(ctx, job.data.account);
  if (!account) return handBackUnknown(ctx, job, token);
  const plain = retireDeps(ctx, account);
  const fence = createJobFence(ctx.connection, job, token);
  let result: RetireResult;
  try {
    // A delete job added before deactivatedAt existed was added right after the deactivation.
    const data =
      job.data.phase === "delete" ? { ...job.data, deactivatedAt: job.data.deactivatedAt ?? job.timestamp } : job.data;
    result = await retireKey(
      { ...plain, cam: fencedCam(plain.cam, fence), vault: fencedVault(plain.vault, fence) },
      data
    );
  } catch (error) {
    if (error instanceof JobLockLost) return lockLost(ctx, job, error);
    return settle(job, token, error);
  }
  if (result.kind === "held" || result.kind === "waiting") return delay(job, token, result.recheckMs);
  // A rotation parked on this key waits for exactly this: the key deactivated (then make-room may delete it) or gone.
  if (result.kind !== "kept") {
    const { account: name, uin, accessKeyId } = job.data;
    await bookkeeping(ctx.log, () => ctx.jobs.wakeRotation(name, uin, accessKeyId));
  }
  return result;
}

async function processSweep(
  ctx: EngineContext,
  job: Job<SweepJobData>,
  token: string | undefined
): Promise<{ due: number; enqueued: number }> {
  const account = knownAccount(ctx, job.data.account);
  if (!account) return handBackUnknown(ctx, job, token);
  try {
    const plan = await planSweep(sweepDeps(ctx, account), { onProgress: sweepProgress(job, "planning") });
    const dueUins = plan.filter((entry) => entry.due).map((entry) => entry.uin);
    const results = await ctx.jobs.enqueueRotations(
      { account: account.name, uins: dueUins, reason: "schedule" },
      sweepProgress(job, "enqueueing")
    );
    const enqueued = results.filter((result) => result.added).length;
    const due = dueUins.length;
    const failed = plan.filter((entry) => entry.failure !== undefined);
    if (failed.length > 0) {
      ctx.log.warn(
        { account: account.name, failed: failed.slice(0, 100).map(({ uin, failure }) => ({ uin, failure })) },
        `sweep could not plan ${failed.length} users; the rest was planned`
      );
    }
    // Account-level events carry uin 0.
    await ctx.records.events.append({
      account: account.name,
      uin: 0,
      step: "sweep",
      type: "sweep-done",
      detail:
        `${plan.length} users, ${due} due, ${enqueued} enqueued` +
        (failed.length === 0
          ? ""
          : `, ${failed.length} not planned (uins ${failed
              .slice(0, 20)
              .map((entry) => entry.uin)
              .join(", ")}${failed.length > 20 ? ", ..." : ""})`),
    });
    return { due, enqueued };
  } catch (error) {
    return settle(job, token, error);
  }
}

/** The sweep job's progress, seen in `status` as its step ("planning 2000/100000"); at most one write a second. */
function sweepProgress(job: Job, phase: "planning" | "enqueueing"): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    if (done < total && Date.now() - last < 1_000) return;
    last = Date.now();
    void job.updateProgress({ step: `${phase} ${done}/${total}` }).catch(() => undefined);
  };
}

/**
 * The job's account in this daemon's config; undefined when a valid name is simply not configured here (another
 * daemon of the fleet may have it). A name no config could hold is bad data and fails the job.
 */
function knownAccount(ctx: EngineContext, name: string): AccountConfig | undefined {
  if (!accountSchema.shape.name.safeParse(name).success) {
    throw new UnrecoverableError(`job names account ${JSON.stringify(name)}, which is not a valid account name`);
  }
  return ctx.config.accounts.find((candidate) => candidate.name === name);
}

/** Not ours to run, and not a failure: back to delayed without counting an attempt, and an alert. */
async function handBackUnknown(
  ctx: EngineContext,
  job: Job<{ account: string }>,
  token: string | undefined
): Promise<never> {
  const account = job.data.account;
  const configured = ctx.config.accounts.map((candidate) => candidate.name);
  ctx.log.error(
    { job: job.id, jobName: job.name, account, configured, recheckMs: UNKNOWN_ACCOUNT_RECHECK_MS },
    "job for an account this daemon is not configured for: handed back for a daemon that has it (configs differ across the fleet?)"
  );
  ctx.observer?.unknownAccount?.(account, job.name);
  return delay(job, token, UNKNOWN_ACCOUNT_RECHECK_MS);
}

/** Another worker owns the job now: stop, record nothing; BullMQ refuses this run's completion (lock mismatch). */
function lockLost(ctx: EngineContext, job: Job<{ account: string }>, error: JobLockLost): never {
  ctx.log.warn(
    { job: job.id, jobName: job.name, account: job.data.account, before: error.operation },
    "job lock lost: stopping before the write; the job's current owner carries on"
  );
  ctx.observer?.jobLockLost?.(job.data.account, job.name);
  throw error;
}

/** Retire and sweep failures: the same rules as rotate, without progress or outcome records. */
async function settle(job: Job, token: string | undefined, error: unknown): Promise<never> {
  const failure = classifyFailure(error);
  switch (failure.kind) {
    case "deferred":
      return delay(job, token, failure.retryAfterMs);
    case "parked":
    case "transient":
      throw new RotationError(
        "transient",
        failure.kind === "parked" ? `parked on ${failure.flaggedKeyId}` : failure.reason
      );
    case "permanent":
      throw new UnrecoverableError(failure.reason);
    default: {
      const unreachable: never = failure;
      throw new Error(`unhandled failure ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Moves the job to delayed without counting an attempt, freeing this worker slot. */
async function delay(job: Job, token: string | undefined, ms: number): Promise<never> {
  await job.moveToDelayed(Date.now() + Math.max(0, Math.ceil(ms)), token);
  throw new DelayedError();
}

async function handBack(job: Job, token: string | undefined): Promise<never> {
  return delay(job, token, 0);
}

/** Progress and event writes that must not fail a rotation (the protocol's own records are written by the steps). */
async function bookkeeping(log: EngineContext["log"], write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    log.warn({ error: String(error) }, "could not record progress");
  }
}
