// createRotationEngine: wires the queue, the stores and the processors behind the RotationEngine face that the
// daemon and the admin CLI use. BullMQ's `prefix` is config.redis.prefix (never ioredis' keyPrefix).
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { CamApi } from "../../cam/types.js";
import { accountConfig } from "../../config/accounts.js";
import type { Config } from "../../config/schema.js";
import type { Vault } from "../../vault/port.js";
import { AUDIT_STREAM_MAX, recordOperatorAction } from "../audit.js";
import { createEventLog } from "../events.js";
import { createFlagStore } from "../flags.js";
import { engineKeys } from "../keys.js";
import { createOutcomeStore } from "../outcomes.js";
import { createParkedStore } from "../parked.js";
import { createProgressStore } from "../progress.js";
import { QUEUE_NAME } from "../queue.js";
import { createRecordSigner, type RejectedRecord } from "../record-mac.js";
import { planSweep } from "../sweep.js";
import type { RotationTurns } from "../turns.js";
import { waitForRotation } from "../wait.js";
import { sweepDeps, type EngineContext } from "./context.js";
import type { EngineObserver, FlaggedKey, RotationEngine } from "./face.js";
import { createRotationJobs } from "./rotation-jobs.js";
import type { EngineSeams, EngineTuning } from "./seams.js";
import { queueCounts, readStatus } from "./status.js";
import { startWorker, workerHandle, type RunningWorker } from "./worker.js";

export type { EngineSeams, EngineTuning } from "./seams.js";

export interface RotationEngineDeps {
  config: Config;
  /** ioredis with maxRetriesPerRequest: null (BullMQ workers need it). The engine does not close it. */
  connection: Redis;
  vault: Vault;
  camFor: (account: string) => CamApi;
  log: Logger;
  observer?: EngineObserver;
  /** Rotation turns per account (the daemon passes its Redis gate); without them jobs start unpaced. */
  turns?: RotationTurns;
  clock?: () => number;
  tuning?: EngineTuning;
  /** For tests and benchmarks only (seams.ts). */
  seams?: EngineSeams;
  /** CAM_ROTATOR_RECORD_KEY (record-mac.ts): progress records and flags are signed and checked with it; none: neither. */
  recordKey?: Buffer | null;
}

export function createRotationEngine(deps: RotationEngineDeps): RotationEngine {
  const { config, connection, log } = deps;
  const clock = deps.clock ?? Date.now;
  const prefix = config.redis.prefix;
  const keys = engineKeys(prefix);
  const queue = new Queue(QUEUE_NAME, { connection, prefix });
  // The connection's owner logs its errors (open-runtime.ts); BullMQ re-emits them here, where they are noise.
  queue.on("error", (error) => log.debug({ err: error }, "queue error"));
  const workers = new Set<RunningWorker>();

  const signer = deps.recordKey ? createRecordSigner(deps.recordKey) : null;
  const events = createEventLog(connection, keys.events, clock);
  const audit = createEventLog(connection, keys.audit, clock, AUDIT_STREAM_MAX);
  /** A record that fails its MAC was forged or damaged: never acted on, and an alert (log, metric, event). */
  const rejected: RejectedRecord = (record) => {
    log.error(
      { record: record.scope, kind: record.kind, why: record.why },
      "ignored a Redis record that fails its MAC (forged or damaged)"
    );
    deps.observer?.recordRejected?.(record.kind);
    void events
      .append({
        account: record.account ?? "",
        uin: record.uin ?? 0,
        step: "redis",
        type: "record-rejected",
        ...(record.keyId ? { keyId: record.keyId } : {}),
        detail: `${record.kind} record ${record.scope} ignored: ${record.why}`,
      })
      .catch(() => undefined);
  };
  const jobs = createRotationJobs(queue, connection, config, events, clock);
  const records = {
    progress: createProgressStore(connection, keys, signer, rejected),
    flags: createFlagStore(connection, keys, signer, rejected),
    events,
    outcomes: createOutcomeStore(connection, keys),
    parked: createParkedStore(connection, keys),
  };
  const ctx: EngineContext = {
    config,
    connection,
    vault: deps.vault,
    camFor: deps.camFor,
    log,
    observer: deps.observer,
    turns: deps.turns,
    clock,
    records,
    jobs,
    tuning: deps.tuning ?? {},
    seams: deps.seams ?? {},
  };

  return {
    enqueueRotation: jobs.enqueueRotation,
    enqueueRotations: jobs.enqueueRotations,
    enqueueSweep: jobs.enqueueSweep,
    sweepExists: jobs.sweepExists,

    async planSweep(account, options) {
      return planSweep(sweepDeps(ctx, accountConfig(config, account)), options);
    },

    waitForRotation(jobId, onProgress, timeoutMs) {
      return waitForRotation(queue, records.outcomes, events, jobId, onProgress, timeoutMs);
    },

    startWorker(options) {
      const worker = startWorker(ctx, options.concurrency, options.paused);
      workers.add(worker);
      return workerHandle(worker, () => workers.delete(worker), log);
    },

    status: () =>
      readStatus(queue, records.parked, async (account, uin) => {
        const [step, attemptId] = await connection.hmget(keys.progress(account, uin), "step", "attemptId");
        return attemptId ? (step ?? undefined) : undefined;
      }),
    queueCounts: () => queueCounts(queue),
    workerCount: async () => (await queue.getWorkers()).length,

    async retryFailed() {
      let retried = 0;
      for (const job of await queue.getFailed(0, -1)) {
        try {
          await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
          retried++;
        } catch {
          // Retried or removed meanwhile.
        }
      }
      return retried;
    },

    pause: () => queue.pause(),
    resume: () => queue.resume(),

    listFlags: () => records.flags.list(),

    async approveRemoval(accessKeyId) {
      // Validate first, write after (P8): an approval this config cannot act on (its account is not configured
      // here) must not be left behind in Redis for another daemon to find.
      const flagged = await records.flags.get(accessKeyId);
      if (!flagged) throw noFlag(accessKeyId);
      accountConfig(config, flagged.account);
      const flag = await records.flags.approve(accessKeyId);
      if (!flag) throw noFlag(accessKeyId);
      await events.append({
        account: flag.account,
        uin: flag.uin,
        step: "flags",
        type: "flag-approved",
        keyId: accessKeyId,
      });
      await resumeParked(flag);
      return flag;
    },

    async dismissFlag(accessKeyId) {
      const flag = await records.flags.dismiss(accessKeyId);
      if (!flag) throw noFlag(accessKeyId);
      await events.append({
        account: flag.account,
        uin: flag.uin,
        step: "flags",
        type: "flag-dismissed",
        keyId: accessKeyId,
      });
      return flag;
    },

    readEvents: (options) => events.read(options),
    recordOperatorAction: (action) => recordOperatorAction({ events, audit }, action),
    readAudit: (options) => audit.read(options),
    followEvents: (signal, after) => events.follow(signal, after),

    vaultView: (account, uin) => deps.vault.describe({ account, uin }),

    async close() {
      await Promise.all([...workers].map(({ worker }) => worker.close()));
      await queue.close();
    },
  };

  /** Approval resumes the parked rotation at once; with none waiting (it failed, or was removed) it starts one. */
  async function resumeParked(flag: FlaggedKey): Promise<void> {
    if (await jobs.wakeRotation(flag.account, flag.uin)) return;
    await jobs.enqueueRotation({ account: flag.account, uin: flag.uin, force: true, reason: "manual" });
  }
}

function noFlag(accessKeyId: string): Error {
  return new Error(`no flagged key ${JSON.stringify(accessKeyId)} (see the list of flags)`);
}
