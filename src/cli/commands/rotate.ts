// `cam-rotator rotate`: enqueue one manual rotation; with --wait, follow it to its end and exit with its outcome.
import type { Command } from "commander";
import type { RotationOutcome } from "../../jobs/engine/face.js";
import {
  addAccountOption,
  addConfigOption,
  addJsonOption,
  type ConfigFlag,
  type JsonFlag,
  type UserFlags,
} from "../arguments.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { processOutput, type Output } from "../output.js";
import { runAction } from "../run-action.js";

interface RotateFlags extends ConfigFlag, JsonFlag, UserFlags {
  force?: boolean;
  wait?: boolean;
}

export function registerRotate(program: Command, out: Output = processOutput): void {
  addJsonOption(
    addConfigOption(
      addAccountOption(
        program
          .command("rotate")
          .description("enqueue a manual rotation of one user's key; --wait follows it to the end"),
        true
      )
        .option("--force", "rotate even if the current key is younger than maxKeyAgeDays")
        .option("--wait", "follow the rotation to its end; exit 0 rotated, 1 failed, 3 parked")
    )
  ).action(
    runAction(async (flags: RotateFlags) => {
      const { auditAction, checkUin, findAccount, loadConfig, withRuntime } = await import("../context.js");
      const config = loadConfig(flags.config);
      const { account } = findAccount(config, flags.account);
      return withRuntime(config, async (runtime) => {
        const { engine } = runtime;
        await checkUin(runtime, account, flags.uin);
        const { jobId, added } = await engine.enqueueRotation({
          account: account.name,
          uin: flags.uin,
          force: flags.force ?? false,
          reason: "manual",
        });
        await auditAction(engine, {
          action: "rotate",
          account: account.name,
          uin: flags.uin,
          detail: `${added ? "enqueued" : "already queued"} ${jobId}${flags.force ? " (force)" : ""}`,
        });
        if (!flags.wait) {
          if (flags.json) out.json({ jobId, added });
          else out.line(added ? `queued ${jobId}` : `${jobId} is already queued; nothing added`);
          return EXIT.ok;
        }
        if (!added) out.note(`${jobId} was already queued; following it`);
        if ((await engine.workerCount()) === 0) {
          out.note("no worker is connected: the rotation runs when `cam-rotator worker` starts");
        }
        const started = Date.now();
        const outcome = await engine.waitForRotation(jobId, (step) =>
          out.note(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s  ${step}`)
        );
        if (flags.json) out.json({ jobId, ...outcome });
        else out.line(describeOutcome(outcome));
        return exitCodeOf(outcome);
      });
    })
  );
}

export function describeOutcome(outcome: RotationOutcome): string {
  const who = `${outcome.account}/${outcome.uin}`;
  switch (outcome.kind) {
    case "rotated":
      return `rotated ${who}: ${outcome.previousKeyId ?? "(no previous key)"} -> ${outcome.newKeyId}`;
    case "skipped":
      return `skipped ${who}: ${outcome.reason}`;
    case "parked":
      return (
        `parked ${who}: key ${outcome.flaggedKeyId} is flagged for removal (${outcome.reason}); ` +
        "see `cam-rotator flagged`, then approve-removal or dismiss-flag"
      );
    case "failed":
      return `failed ${who}: ${outcome.reason}`;
    default:
      return assertNever(outcome);
  }
}

export function exitCodeOf(outcome: RotationOutcome): ExitCode {
  switch (outcome.kind) {
    case "rotated":
    case "skipped":
      return EXIT.ok;
    case "parked":
      return EXIT.parked;
    case "failed":
      return EXIT.failed;
    default:
      return assertNever(outcome);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected outcome ${JSON.stringify(value)}`);
}
