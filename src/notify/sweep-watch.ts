// Notices a scheduled sweep that no replica fired: for each account, every slot of its schedule that passed more
// than `toleranceMs` ago must have its sweep job (deterministic id per slot; completed sweeps are kept an hour).
// Only slots after this process started are judged. Every replica watches; the event id (account + slot) makes
// their reports one notification.
import cron from "node-cron";
import type { AccountConfig } from "../config/index.js";
import type { Logger } from "../log.js";

export interface SweepWatchOptions {
  accounts: readonly Pick<AccountConfig, "name" | "schedule" | "timezone">[];
  toleranceMs: number;
  sweepExists(account: string, slotMs: number): Promise<boolean>;
  onMissed(account: string, slotMs: number): void;
  log: Logger;
  /** How often upcoming slots are noted and passed ones judged. Shorter than any schedule's interval. */
  tickMs?: number;
}

export interface SweepWatch {
  stop(): void;
}

export function startSweepWatch(options: SweepWatchOptions): SweepWatch {
  const tickMs = options.tickMs ?? 5_000;
  const watched = options.accounts.map((account) => ({
    account: account.name,
    task: cron.createTask(account.schedule, () => undefined, { timezone: account.timezone }),
    slots: new Set<number>(),
  }));
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const now = Date.now();
      for (const entry of watched) {
        // getNextRun() answers only for a started task; this one only computes.
        const [next] = entry.task.getNextRuns(1);
        if (next) entry.slots.add(next.getTime());
        for (const slot of [...entry.slots].filter((candidate) => candidate + options.toleranceMs <= now)) {
          // A slot whose check fails (Redis away) stays noted and is judged at the next tick.
          const fired = await options.sweepExists(entry.account, slot);
          entry.slots.delete(slot);
          if (!fired) {
            options.log.warn({ account: entry.account, slot }, "scheduled sweep missed: no replica enqueued it");
            options.onMissed(entry.account, slot);
          }
        }
      }
    } catch (error) {
      options.log.warn({ error: (error as Error).message }, "sweep watch could not check a slot");
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), tickMs);
  timer.unref();
  void tick();
  return {
    stop() {
      clearInterval(timer);
      for (const entry of watched) void entry.task.destroy();
    },
  };
}
