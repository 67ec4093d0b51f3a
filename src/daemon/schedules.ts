// One node-cron task per account. Each fire asks the Redis run-coordinator first (one replica per slot) and then
// enqueues that slot's sweep, whose job id is deterministic per slot: a second line of defence when a replica
// fires anyway (a coordinator key that expired, two deployments sharing a prefix by mistake).
import cron, { type RunCoordinator, type ScheduledTask } from "node-cron";
import type { AccountConfig } from "../config/index.js";
import type { Logger } from "../log.js";

export interface SweepEnqueuer {
  enqueueSweep(account: string, slot: number): Promise<{ jobId: string; added: boolean }>;
}

export type FireOutcome = "enqueued" | "duplicate" | "not-elected" | "refused" | "error";

export interface ScheduleOptions {
  accounts: readonly AccountConfig[];
  engine: SweepEnqueuer;
  coordinator: RunCoordinator;
  log: Logger;
  onFire?: (account: string, slot: number, outcome: FireOutcome) => void;
  /** Why this daemon must not fire now (its fleet's configs differ), or null; a refused slot enqueues nothing. */
  refusal?: () => string | null;
}

export interface Schedules {
  /** The next fire time of each account's schedule. */
  nextRuns(): Record<string, Date | null>;
  stop(): Promise<void>;
}

/** The name a task carries; the coordinator key is "<name>:<slot ISO time>". */
export const taskName = (account: string) => `sweep-${account}`;

export function startSchedules(options: ScheduleOptions): Schedules {
  const { log } = options;
  const tasks = new Map<string, ScheduledTask>();
  for (const account of options.accounts) {
    const task = cron.schedule(
      account.schedule,
      async (context) => {
        // context.date is the slot (whole second), identical on every replica whatever its timer drift.
        const slot = context.date.getTime();
        const refusal = options.refusal?.();
        if (refusal) {
          log.warn({ account: account.name, slot }, `schedule slot skipped: ${refusal}`);
          options.onFire?.(account.name, slot, "refused");
          return;
        }
        try {
          const { jobId, added } = await options.engine.enqueueSweep(account.name, slot);
          log.info(
            { account: account.name, slot, jobId, added },
            added ? "sweep enqueued" : "sweep already enqueued for this slot"
          );
          options.onFire?.(account.name, slot, added ? "enqueued" : "duplicate");
        } catch (error) {
          log.error({ account: account.name, slot, err: error }, "could not enqueue the sweep");
          options.onFire?.(account.name, slot, "error");
        }
      },
      {
        name: taskName(account.name),
        timezone: account.timezone,
        noOverlap: true,
        distributed: true,
        runCoordinator: options.coordinator,
      }
    );
    task.on("execution:skipped", (context) => {
      const slot = context.date.getTime();
      if (context.reason === "coordinator-error") {
        log.warn({ account: account.name, slot, err: context.error }, "run coordinator failed; slot skipped");
        options.onFire?.(account.name, slot, "error");
      } else {
        log.debug({ account: account.name, slot }, "another replica took this slot");
        options.onFire?.(account.name, slot, "not-elected");
      }
    });
    task.on("execution:missed", (context) =>
      log.warn({ account: account.name, slot: context.date.getTime() }, "schedule slot missed")
    );
    tasks.set(account.name, task);
  }
  return {
    nextRuns: () => Object.fromEntries([...tasks].map(([name, task]) => [name, task.getNextRun()])),
    async stop() {
      await Promise.all(
        [...tasks.values()].map(async (task) => {
          await task.destroy();
        })
      );
    },
  };
}

/** The next fire time of a schedule, computed without starting anything (for `status`). */
export function nextRunOf(account: Pick<AccountConfig, "schedule" | "timezone">): Date | null {
  const task = cron.createTask(account.schedule, () => undefined, { timezone: account.timezone });
  try {
    return task.getNextRuns(1)[0] ?? null;
  } finally {
    void task.destroy();
  }
}
