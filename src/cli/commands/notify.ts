// `cam-rotator notify test [--target NAME]`: sends a test message to each configured target (or one) directly,
// without Redis, and prints each answer. Exit 1 when any target did not accept it. URLs are never printed.
import type { Command } from "commander";
import { addConfigOption, type ConfigFlag } from "../arguments.js";
import { UsageError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { processOutput, type Output } from "../output.js";
import { runAction } from "../run-action.js";

interface NotifyTestFlags extends ConfigFlag {
  target?: string;
}

export function registerNotify(program: Command, out: Output = processOutput): void {
  const notify = program
    .command("notify")
    .description("notifications to webhooks and chat robots (the config's notify: block)");
  addConfigOption(
    notify
      .command("test")
      .description("send a test message to every notify target (or --target NAME) and print each answer")
      .option("--target <name>", "only this target")
  ).action(
    runAction(async (flags: NotifyTestFlags) => {
      const [{ loadConfig }, { sendTestMessages }] = await Promise.all([
        import("../context.js"),
        import("../../notify/test-message.js"),
      ]);
      const config = loadConfig(flags.config);
      if (!config.notify)
        throw new UsageError("the config has no notify: block; see the README's Notifications section");
      const names = config.notify.targets.map((target) => target.name);
      if (flags.target !== undefined && !names.includes(flags.target)) {
        throw new UsageError(
          `unknown notify target ${JSON.stringify(flags.target)}; the config defines: ${names.join(", ")}`
        );
      }
      const results = await sendTestMessages(config.notify, flags.target);
      for (const result of results) {
        out.line(
          `${result.ok ? "ok  " : "FAIL"}  ${result.target.padEnd(20)}  ${result.type.padEnd(8)}  ${result.detail}`
        );
      }
      const failed = results.filter((result) => !result.ok).length;
      out.line(failed === 0 ? "all targets answered" : `${failed} target${failed === 1 ? "" : "s"} failed`);
      return failed === 0 ? EXIT.ok : EXIT.failed;
    })
  );
}
