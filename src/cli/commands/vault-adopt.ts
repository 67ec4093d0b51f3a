// `cam-rotator vault adopt --account A [--uin U] [--dry-run]`: takes over secrets under the name template that
// were made by hand (no managed-by tag), each only if its current value names a key CAM lists for that user
// (src/vault/aws-adopt.ts). It lists what it would do first; --dry-run stops there. Each adoption is an operator
// action in the audit stream.
import type { Command } from "commander";
import { addConfigOption, addJsonOption, parseUin, type ConfigFlag, type JsonFlag } from "../arguments.js";
import { UsageError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { processOutput, type Output } from "../output.js";
import { runAction } from "../run-action.js";
import { formatTable } from "../table.js";

type AdoptFlags = ConfigFlag & JsonFlag & { account: string; uin?: number; dryRun?: boolean };

export function registerVaultAdopt(vault: Command, out: Output = processOutput): void {
  addJsonOption(
    addConfigOption(
      vault
        .command("adopt")
        .description(
          "take over hand-made secrets under the name template (tag them), only those holding a key of their user"
        )
        .requiredOption("--account <name>", "account name from the config")
        .option("--uin <uin>", "only this user (default: every user of the account)", parseUin)
        .option("--dry-run", "list what it would do and change nothing")
    )
  ).action(
    runAction(async (flags: AdoptFlags) => {
      const { auditAction, checkUin, findAccount, loadConfig, withRuntime } = await import("../context.js");
      const { createAdopter } = await import("../../vault/aws-adopt.js");
      const config = loadConfig(flags.config);
      const { account } = findAccount(config, flags.account);
      const vaultConfig = config.vault;
      if (vaultConfig.type !== "aws-secrets-manager") {
        throw new UsageError(
          `vault adopt applies to vault.type aws-secrets-manager; this config's vault is ${JSON.stringify(vaultConfig.type)}, ` +
            "whose secrets only the rotator writes"
        );
      }
      return withRuntime(config, async (runtime) => {
        const cam = runtime.camFor(account.name);
        let uins: number[];
        if (flags.uin !== undefined) {
          await checkUin(runtime, account, flags.uin);
          uins = [flags.uin];
        } else {
          uins = account.users === "all" ? (await cam.listUsers()).map((user) => user.uin) : account.users;
        }
        const adopter = createAdopter({
          region: vaultConfig.region,
          nameTemplate: vaultConfig.nameTemplate,
          ...(vaultConfig.endpoint ? { endpoint: vaultConfig.endpoint } : {}),
        });
        try {
          const plan = [];
          for (const uin of uins)
            plan.push(await adopter.plan({ account: account.name, uin }, () => cam.listAccessKeys(uin)));
          const adopted: number[] = [];
          if (!flags.dryRun) {
            for (const entry of plan.filter((candidate) => candidate.action === "adopt")) {
              await adopter.adopt({ account: account.name, uin: entry.uin });
              await auditAction(runtime.engine, {
                action: "vault-adopt",
                account: account.name,
                uin: entry.uin,
                ...(entry.action === "adopt" ? { keyId: entry.keyId } : {}),
                detail: `tagged secret ${entry.secret}`,
              });
              adopted.push(entry.uin);
            }
          }
          if (flags.json) out.json({ dryRun: flags.dryRun === true, plan, adopted });
          else {
            out.line(
              formatTable(plan, [
                { header: "UIN", value: (entry) => entry.uin },
                { header: "SECRET", value: (entry) => entry.secret },
                { header: "ACTION", value: (entry) => entry.action },
                {
                  header: "DETAIL",
                  value: (entry) => (entry.action === "adopt" ? `holds key ${entry.keyId}` : entry.why),
                },
              ])
            );
            out.line(flags.dryRun ? "dry run: nothing changed" : `adopted ${adopted.length} secret(s)`);
          }
          return EXIT.ok;
        } finally {
          adopter.close();
        }
      });
    })
  );
}
