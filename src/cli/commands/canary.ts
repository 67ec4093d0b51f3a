// `cam-rotator canary --account A --uin U`: first contact with a real account. Runs src/canary/steps.ts against
// one designated, disposable canary user and prints each step with its time; exit 0 when every step held, 1 with
// the failing steps named otherwise.
import type { Command } from "commander";
import type { CanaryReport, CanaryStep } from "../../canary/steps.js";
import {
  addAccountOption,
  addConfigOption,
  addJsonOption,
  type ConfigFlag,
  type JsonFlag,
  type UserFlags,
} from "../arguments.js";
import { EXIT } from "../exit-codes.js";
import { processOutput, type Output } from "../output.js";
import { runAction } from "../run-action.js";

interface CanaryFlags extends ConfigFlag, JsonFlag, UserFlags {}

export function registerCanary(program: Command, out: Output = processOutput): void {
  addJsonOption(
    addConfigOption(
      addAccountOption(
        program
          .command("canary")
          .description(
            "create, prove, deactivate and delete one key of a disposable canary user, step by step: " +
              "credentials, permissions, time to authenticate, last-use reporting"
          ),
        true
      )
    )
  ).action(
    runAction(async (flags: CanaryFlags) => {
      const [{ checkUin, findAccount, loadConfig, withRuntime }, { runCanary }] = await Promise.all([
        import("../context.js"),
        import("../../canary/steps.js"),
      ]);
      const config = loadConfig(flags.config);
      const { account } = findAccount(config, flags.account);
      return withRuntime(config, async (runtime) => {
        if (account.users !== "all") await checkUin(runtime, account, flags.uin);
        const report = await runCanary({
          cam: runtime.camFor(account.name),
          uin: flags.uin,
          verifyTimeoutMs: config.rotation.verifyTimeout,
          // With --json the steps go to stderr as they happen; without, they are the output.
          onStep: (step) => (flags.json ? out.note(stepLine(step)) : out.line(stepLine(step))),
        });
        if (flags.json) out.json(report);
        else out.line(summary(report));
        return report.ok ? EXIT.ok : EXIT.failed;
      });
    })
  );
}

function stepLine(step: CanaryStep): string {
  const label = step.status === "ok" ? "ok" : step.status === "failed" ? "FAIL" : "skip";
  return `${label.padEnd(4)}  ${`${(step.ms / 1000).toFixed(1)}s`.padStart(6)}  ${step.step.padEnd(19)}  ${step.detail}`;
}

function summary(report: CanaryReport): string {
  if (report.ok) {
    return `canary ${report.account}/${report.uin}: every step held; the new key authenticated after ${report.authenticatedAfterMs} ms`;
  }
  const failed = report.steps.filter((step) => step.status === "failed");
  const missing = failed.flatMap((step) => (step.missingPermission ? [step.missingPermission] : []));
  return (
    `canary ${report.account}/${report.uin}: failed at ${failed.map((step) => step.step).join(", ")}` +
    (missing.length > 0 ? `; add to the rotator's policy: ${missing.map((line) => `"${line}"`).join(", ")}` : "")
  );
}
