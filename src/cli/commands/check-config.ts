// `cam-rotator check-config`: validate the file (exit 2 if invalid, touching nothing), then probe each thing
// the daemon needs: Redis, the vault, and every account's credentials (GetUserAppId) and users (ListUsers).
// One line per item; exit 1 when any probe fails. A WARN line (exit code unchanged) flags a retirement setting
// shorter than the last-use lag it relies on. The probes themselves live in ../probes.ts.
import type { Command } from "commander";
import { addConfigOption, type ConfigFlag } from "../arguments.js";
import { EXIT } from "../exit-codes.js";
import { processOutput, type Output } from "../output.js";
import { runAction } from "../run-action.js";

export function registerCheckConfig(program: Command, out: Output = processOutput): void {
  addConfigOption(
    program
      .command("check-config")
      .description(
        "validate the config file, then probe Redis, the vault and each account's credentials; one line per item"
      )
  ).action(
    runAction(async (flags: ConfigFlag) => {
      const [{ configPath, loadConfigFile }, { probesFor }, { lagWarning }] = await Promise.all([
        import("../../config/index.js"),
        import("../probes.js"),
        import("../../jobs/last-use-lag.js"),
      ]);
      const path = configPath(flags.config);
      const config = loadConfigFile(path);
      out.line(
        line(
          "ok",
          "config",
          `${path}: ${config.accounts.length} account${config.accounts.length === 1 ? "" : "s"}, ${config.vault.type} vault`
        )
      );
      for (const [index, account] of config.accounts.entries()) {
        const warning = lagWarning(account.retire);
        if (warning) out.line(line("WARN", `retire ${account.name}`, `accounts[${index}].${warning}`));
      }
      let failures = 0;
      for (const probe of probesFor(config)) {
        try {
          out.line(line("ok", probe.item, await probe.run()));
        } catch (error) {
          failures++;
          out.line(
            line("FAIL", probe.item, error instanceof Error ? error.message.replace(/\s*\n\s*/g, "; ") : String(error))
          );
        }
      }
      out.line(failures === 0 ? "all checks passed" : `${failures} check${failures === 1 ? "" : "s"} failed`);
      return failures === 0 ? EXIT.ok : EXIT.failed;
    })
  );
}

function line(status: "ok" | "WARN" | "FAIL", item: string, detail: string): string {
  return `${status.padEnd(4)}  ${item.padEnd(20)}  ${detail}`;
}
