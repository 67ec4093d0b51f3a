// `cam-rotator status`: queue counts, connected workers, active rotations, failed jobs with reasons, parked
// rotations, and each account's next scheduled run.
import type { Command } from "commander";
import { addConfigOption, addJsonOption, type ConfigFlag, type JsonFlag } from "../arguments.js";
import { EXIT } from "../exit-codes.js";
import { processOutput, type Output } from "../output.js";
import { runAction } from "../run-action.js";
import { formatTable, formatTime } from "../table.js";

export function registerStatus(program: Command, out: Output = processOutput): void {
  addJsonOption(
    addConfigOption(
      program
        .command("status")
        .description("queue counts, active rotations, failed jobs with reasons, and each account's next scheduled run")
    )
  ).action(
    runAction(async (flags: ConfigFlag & JsonFlag) => {
      const { loadConfig, withRuntime } = await import("../context.js");
      const { nextRunOf } = await import("../../daemon/schedules.js");
      const config = loadConfig(flags.config);
      return withRuntime(config, async ({ engine }) => {
        const [status, workers] = await Promise.all([engine.status(), engine.workerCount()]);
        const schedules = config.accounts.map((account) => ({
          account: account.name,
          schedule: account.schedule,
          timezone: account.timezone,
          nextRun: nextRunOf(account)?.toISOString() ?? null,
        }));
        if (flags.json) {
          out.json({ ...status, workers, schedules });
          return EXIT.ok;
        }
        const counts = Object.entries(status.counts)
          .map(([state, count]) => `${state} ${count}`)
          .join("  ");
        out.line(`queue: ${counts}${status.paused ? "  (PAUSED: run `cam-rotator resume`)" : ""}`);
        out.line(`workers connected: ${workers}`);
        out.line("");
        out.line(
          formatTable(schedules, [
            { header: "ACCOUNT", value: (row) => row.account },
            { header: "SCHEDULE", value: (row) => row.schedule },
            { header: "TIMEZONE", value: (row) => row.timezone },
            { header: "NEXT RUN (UTC)", value: (row) => row.nextRun?.replace(/\.\d{3}Z$/, "Z") },
          ])
        );
        section(out, "active rotations", status.active.length, () =>
          formatTable(status.active, [
            { header: "JOB", value: (row) => row.jobId },
            { header: "ACCOUNT", value: (row) => row.account },
            { header: "UIN", value: (row) => row.uin },
            { header: "STEP", value: (row) => row.step },
          ])
        );
        section(out, "parked rotations", status.parked.length, () =>
          formatTable(status.parked, [
            { header: "JOB", value: (row) => row.jobId },
            { header: "ACCOUNT", value: (row) => row.account },
            { header: "UIN", value: (row) => row.uin },
            { header: "FLAGGED KEY", value: (row) => row.flaggedKeyId },
          ])
        );
        section(out, "failed jobs", status.failed.length, () =>
          formatTable(status.failed, [
            { header: "JOB", value: (row) => row.jobId },
            { header: "ACCOUNT", value: (row) => row.account },
            { header: "UIN", value: (row) => row.uin },
            { header: "FAILED AT", value: (row) => formatTime(row.failedAt) },
            { header: "REASON", value: (row) => row.reason },
          ])
        );
        return EXIT.ok;
      });
    })
  );
}

function section(out: Output, title: string, count: number, table: () => string): void {
  out.line("");
  out.line(`${title}: ${count === 0 ? "none" : count}`);
  if (count > 0) out.line(table());
}
