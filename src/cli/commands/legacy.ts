// `cam-rotator legacy [--account A]`: keys users held before the rotator's first key (pre-existing keys) that
// were used since that key became current. Each is an application still signing with an old key; its retirement
// is held until it stops (src/jobs/legacy.ts). Key ids and times only, never a secret.
import type { Command } from "commander";
import { addConfigOption, addJsonOption, type ConfigFlag, type JsonFlag } from "../arguments.js";
import { EXIT } from "../exit-codes.js";
import { processOutput, type Output } from "../output.js";
import { runAction } from "../run-action.js";
import { formatTable, formatTime } from "../table.js";

type LegacyFlags = ConfigFlag & JsonFlag & { account?: string };

export function registerLegacy(program: Command, out: Output = processOutput): void {
  addJsonOption(
    addConfigOption(
      program
        .command("legacy")
        .description("list pre-existing keys (held before the rotator's first key) still in use, with their last use")
        .option("--account <name>", "only this account (default: every configured account)")
    )
  ).action(
    runAction(async (flags: LegacyFlags) => {
      const { findAccount, loadConfig, withRuntime } = await import("../context.js");
      const { recordKeyFrom } = await import("../../daemon/open-runtime.js");
      const { findLegacyKeys, legacySources } = await import("../../jobs/legacy.js");
      const config = loadConfig(flags.config);
      const accounts =
        flags.account === undefined
          ? config.accounts.map((account) => account.name)
          : [findAccount(config, flags.account).account.name];
      return withRuntime(config, async ({ redis, camFor }) => {
        const keys = await findLegacyKeys(
          legacySources(redis, config.redis.prefix, recordKeyFrom(process.env), camFor),
          accounts
        );
        if (flags.json) out.json(keys);
        else if (keys.length === 0) out.line("no pre-existing key is in use");
        else
          out.line(
            formatTable(keys, [
              { header: "KEY", value: (key) => key.accessKeyId },
              { header: "ACCOUNT", value: (key) => key.account },
              { header: "UIN", value: (key) => key.uin },
              { header: "STATUS", value: (key) => key.status },
              {
                header: "LAST USED",
                value: (key) =>
                  key.lastUsedAt !== null
                    ? formatTime(key.lastUsedAt)
                    : key.lastUsedDay !== null
                      ? new Date(key.lastUsedDay).toISOString().slice(0, 10)
                      : "",
              },
              { header: "ROTATOR'S KEY SINCE", value: (key) => formatTime(key.since) },
            ])
          );
        return EXIT.ok;
      });
    })
  );
}
