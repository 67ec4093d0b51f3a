// `cam-rotator vault show`: which key id the vault holds as current, pending and previous for one user. It
// describes versions only; no code path here reads a secret value.
import type { Command } from "commander";
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
import { formatTable } from "../table.js";
import { registerVaultAdopt } from "./vault-adopt.js";

type VaultShowFlags = ConfigFlag & JsonFlag & UserFlags;

export function registerVault(program: Command, out: Output = processOutput): void {
  const vault = program
    .command("vault")
    .description("inspect the vault and adopt hand-made secrets (never prints a secret)");
  registerVaultAdopt(vault, out);
  addJsonOption(
    addConfigOption(
      addAccountOption(
        vault
          .command("show")
          .description("show which key id is current, pending and previous for one user; never the secret"),
        true
      )
    )
  ).action(
    runAction(async (flags: VaultShowFlags) => {
      const { checkUin, findAccount, loadConfig, withRuntime } = await import("../context.js");
      const config = loadConfig(flags.config);
      const { account } = findAccount(config, flags.account);
      return withRuntime(config, async (runtime) => {
        await checkUin(runtime, account, flags.uin);
        const view = await runtime.engine.vaultView(account.name, flags.uin);
        if (flags.json) {
          out.json({ account: account.name, uin: flags.uin, ...view });
          return EXIT.ok;
        }
        if (!view.exists) {
          out.line(`the vault holds no secret for ${account.name}/${flags.uin} yet`);
          return EXIT.ok;
        }
        const stages = [
          ["current", view.current],
          ["pending", view.pending],
          ["previous", view.previous],
        ] as const;
        out.line(
          formatTable(stages, [
            { header: "STAGE", value: ([stage]) => stage },
            { header: "KEY", value: ([, version]) => version?.accessKeyId },
            { header: "VERSION", value: ([, version]) => version?.versionId },
          ])
        );
        // Written by other means: only the current key id matters for rotation, so these are shown, not fatal.
        for (const version of view.unreadable ?? []) {
          out.line(
            `${version.stage} version ${version.versionId} is unreadable (${version.problem}); rotation ignores it`
          );
        }
        return EXIT.ok;
      });
    })
  );
}
