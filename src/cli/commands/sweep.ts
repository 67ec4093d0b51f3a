// `cam-rotator sweep`: who in an account is due for rotation and why; without --dry-run, enqueue them.
import type { Command } from "commander";
import type { SweepPlanEntry } from "../../jobs/engine/face.js";
import {
  addAccountOption,
  addConfigOption,
  addJsonOption,
  type AccountFlag,
  type ConfigFlag,
  type JsonFlag,
} from "../arguments.js";
import { EXIT } from "../exit-codes.js";
import { processOutput, type Output } from "../output.js";
import { progressReporter } from "../progress.js";
import { runAction } from "../run-action.js";
import { formatTable } from "../table.js";

interface SweepFlags extends ConfigFlag, JsonFlag, AccountFlag {
  dryRun?: boolean;
}

interface SweepResultEntry extends SweepPlanEntry {
  /** Set when the sweep enqueued (or found queued) this user's rotation. */
  jobId?: string;
  added?: boolean;
}

export function registerSweep(program: Command, out: Output = processOutput): void {
  addJsonOption(
    addConfigOption(
      addAccountOption(
        program
          .command("sweep")
          .description("show who in an account is due for rotation and why; without --dry-run, enqueue their rotations")
      ).option("--dry-run", "only show the plan; enqueue nothing")
    )
  ).action(
    runAction(async (flags: SweepFlags) => {
      const { auditAction, findAccount, loadConfig, withRuntime } = await import("../context.js");
      const config = loadConfig(flags.config);
      const { account } = findAccount(config, flags.account);
      return withRuntime(config, async ({ engine }) => {
        const plan: SweepResultEntry[] = await engine.planSweep(account.name, {
          onProgress: progressReporter(`checking users of ${account.name}`),
          markQueued: true,
        });
        const due = plan.filter((entry) => entry.due);
        if (!flags.dryRun && due.length > 0) {
          const results = await engine.enqueueRotations(
            { account: account.name, uins: due.map((entry) => entry.uin), reason: "manual" },
            progressReporter("enqueueing rotations")
          );
          results.forEach(({ jobId, added }, index) => Object.assign(due[index]!, { jobId, added }));
        }
        if (!flags.dryRun) {
          await auditAction(engine, {
            action: "sweep",
            account: account.name,
            detail: `${due.length} of ${plan.length} users due, ${due.filter((entry) => entry.added).length} enqueued`,
          });
        }
        if (flags.json) {
          out.json({ account: account.name, dryRun: flags.dryRun ?? false, users: plan });
          return EXIT.ok;
        }
        if (plan.length > 0) {
          out.line(
            formatTable(plan, [
              { header: "UIN", value: (entry) => entry.uin },
              { header: "DUE", value: (entry) => (entry.due ? "yes" : "no") },
              { header: "CURRENT KEY", value: (entry) => entry.currentKeyId },
              {
                header: "AGE (DAYS)",
                value: (entry) => (entry.currentKeyAgeDays === null ? null : Math.floor(entry.currentKeyAgeDays)),
                align: "right",
              },
              { header: "REASON", value: (entry) => entry.reason },
              ...(flags.dryRun
                ? []
                : [
                    {
                      header: "JOB",
                      value: (entry: SweepResultEntry) =>
                        entry.jobId === undefined ? null : `${entry.jobId}${entry.added ? "" : " (already queued)"}`,
                    },
                  ]),
            ])
          );
        }
        const failed = plan.filter((entry) => entry.failure !== undefined);
        if (failed.length > 0)
          out.note(
            `${failed.length} users could not be planned (vault errors, see REASON): ${failed.map((entry) => entry.uin).join(", ")}`
          );
        const added = due.filter((entry) => entry.added).length;
        out.line(
          `${due.length} of ${plan.length} users due in ${account.name}` +
            (flags.dryRun
              ? " (dry run: nothing enqueued)"
              : `; ${added} rotation${added === 1 ? "" : "s"} enqueued, ${due.length - added} already queued`)
        );
        return EXIT.ok;
      });
    })
  );
}
