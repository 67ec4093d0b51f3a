// `cam-rotator check-config`: validate the file (exit 2 if invalid, touching nothing), then probe each thing
// the daemon needs: Redis, the vault, and every account's credentials (GetUserAppId) and users (ListUsers).
// One line per item; exit 1 when any probe fails. The probes themselves live in ../probes.ts.
import type { Command } from "commander";
import { addConfigOption, type ConfigFlag } from "../arguments.js";
import { EXIT } from "../exit-codes.js";
import { processOutput, type Output } from "../output.js";
import { runAction } from "../run-action.js";

export function registerCheckConfig(program: Command, out: Output = processOutput): void {
  addConfigOption(program.command("check-config")
    .description("validate the config file, then probe Redis, the vault and each account's credentials; one line per item"))
    .action(runAction(async (flags: ConfigFlag) => {
      const [{ configPath, loadConfigFile }, { probesFor }] = await Promise.all([import("../../config/index.js"), import("../probes.js")]);
      const path = configPath(flags.config);
      const config = loadConfigFile(path);
      out.line(line("ok", "config", `${path}: ${config.accounts.length} account${config.accounts.length === 1 ? "" : "s"}, ${config.vault.type} vault`));
      let failures = 0;
      for (const probe of probesFor(config)) {
        try {
          out.line(line("ok", probe.item, await probe.run()));
        } catch (error) {
          failures++;
          out.line(line("FAIL", probe.item, error instanceof Error ? error.message.replace(/\s*\n\s*/g, "; ") : String(error)));
        }
      }
      out.line(failures === 0 ? "all checks passed" : `${failures} check${failures === 1 ? "" : "s"} failed`);
      return failures === 0 ? EXIT.ok : EXIT.failed;
    }));
}

function line(status: "ok" | "FAIL", item: string, detail: string): string {
  return `${status.padEnd(4)}  ${item.padEnd(20)}  ${detail}`;
}
