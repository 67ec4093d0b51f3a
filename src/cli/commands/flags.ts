// `cam-rotator flagged`, `approve-removal` and `dismiss-flag`: keys the rotator flagged for removal instead of
// removing them on its own (a foreign key, or an old key still in use, at the two-key limit).
import { InvalidArgumentError, type Command } from "commander";
import type { FlaggedKey, RotationEngine } from "../../jobs/engine/face.js";
import { addConfigOption, addJsonOption, parseKeyId, type ConfigFlag, type JsonFlag } from "../arguments.js";
import { UsageError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { processOutput, type Output } from "../output.js";
import { runAction } from "../run-action.js";
import { formatTable, formatTime } from "../table.js";

interface KeyFlags extends ConfigFlag, JsonFlag {
  key?: string;
  account?: string;
  reason?: FlaggedKey["reason"];
  yes?: boolean;
}

export function registerFlagCommands(program: Command, out: Output = processOutput): void {
  addJsonOption(addConfigOption(program.command("flagged").description("list keys flagged for removal"))).action(
    runAction(async (flags: ConfigFlag & JsonFlag) => {
      const { loadConfig, withRuntime } = await import("../context.js");
      const config = loadConfig(flags.config);
      return withRuntime(config, async ({ engine }) => {
        const flagged = await engine.listFlags();
        if (flags.json) out.json(flagged);
        else if (flagged.length === 0) out.line("no keys are flagged for removal");
        else
          out.line(
            formatTable(flagged, [
              { header: "KEY", value: (flag) => flag.accessKeyId },
              { header: "ACCOUNT", value: (flag) => flag.account },
              { header: "UIN", value: (flag) => flag.uin },
              { header: "REASON", value: (flag) => flag.reason },
              { header: "STATUS", value: (flag) => flag.status },
              { header: "FLAGGED AT", value: (flag) => formatTime(flag.flaggedAt) },
            ])
          );
        return EXIT.ok;
      });
    })
  );

  registerKeyCommand(
    program,
    out,
    "approve-removal",
    "approve removing a flagged key: the rotator deactivates and deletes it, and the parked rotation resumes",
    (engine, key) => engine.approveRemoval(key),
    "approved removal of"
  );
  registerKeyCommand(
    program,
    out,
    "dismiss-flag",
    "dismiss a flag: the key stays, is not flagged again, and its user's rotation stays parked until the key is gone",
    (engine, key) => engine.dismissFlag(key),
    "dismissed the flag on"
  );
}

/** The reasons a key is flagged for (FlaggedKey["reason"]), for --reason. */
const FLAG_REASONS = [
  "foreign-key",
  "flag-only-policy",
  "unproven-create",
] as const satisfies readonly FlaggedKey["reason"][];

function parseReason(value: string): FlaggedKey["reason"] {
  if (!(FLAG_REASONS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(
      `expected a flag reason (${FLAG_REASONS.join(", ")}), got ${JSON.stringify(value)}.`
    );
  }
  return value as FlaggedKey["reason"];
}

/**
 * One key (`--key`), acted on at once; or every flag of an account with one reason (`--account --reason`, after
 * onboarding a whole team, say): listed first, acted on only with --yes. Each decision is audited by key.
 */
function registerKeyCommand(
  program: Command,
  out: Output,
  name: "approve-removal" | "dismiss-flag",
  description: string,
  apply: (engine: RotationEngine, key: string) => Promise<FlaggedKey>,
  verb: string
): void {
  addJsonOption(
    addConfigOption(
      program
        .command(name)
        .description(
          `${description}; --account with --reason handles every such flag of an account (listed first, done with --yes)`
        )
        .option("--key <id>", "the flagged AccessKeyId (see `cam-rotator flagged`)", parseKeyId)
        .option("--account <name>", "with --reason: every flag of this account with that reason")
        .option("--reason <reason>", `with --account: ${FLAG_REASONS.join(", ")}`, parseReason)
        .option("--yes", "with --account and --reason: act (without it, only list what it would do)")
    )
  ).action(
    runAction(async (flags: KeyFlags) => {
      const { auditAction, findAccount, loadConfig, withRuntime } = await import("../context.js");
      const { assertRecordKey } = await import("../../daemon/open-runtime.js");
      const config = loadConfig(flags.config);
      assertRecordKey(config); // an unsigned approval would be ignored by every daemon that has the key
      const bulk = flags.account !== undefined || flags.reason !== undefined;
      if (bulk === (flags.key !== undefined) || (bulk && (flags.account === undefined || flags.reason === undefined))) {
        throw new UsageError(`${name} takes --key ID, or --account NAME with --reason REASON (not both)`);
      }
      if (flags.account !== undefined) findAccount(config, flags.account);
      return withRuntime(config, async ({ engine }) => {
        const all = await engine.listFlags();
        const chosen = bulk
          ? all.filter(
              (flag) =>
                flag.account === flags.account &&
                flag.reason === flags.reason &&
                !(name === "approve-removal" && flag.status === "approved")
            )
          : all.filter((flag) => flag.accessKeyId === flags.key);
        if (!bulk && chosen.length === 0)
          throw new UsageError(`key ${flags.key} is not flagged; \`cam-rotator flagged\` lists the flagged keys`);
        if (bulk && !flags.yes) {
          if (flags.json) out.json({ wouldApply: chosen, done: [] });
          else {
            out.line(
              chosen.length === 0
                ? `no ${flags.reason} flags in account ${flags.account}`
                : chosen
                    .map((flag) => `would ${name} ${flag.accessKeyId} (${flag.account}/${flag.uin}, ${flag.reason})`)
                    .join("\n")
            );
            if (chosen.length > 0) out.line("nothing changed: run again with --yes to do it");
          }
          return EXIT.ok;
        }
        const done: FlaggedKey[] = [];
        for (const target of chosen) {
          const flag = await apply(engine, target.accessKeyId);
          await auditAction(engine, {
            action: name,
            account: flag.account,
            uin: flag.uin,
            keyId: flag.accessKeyId,
            ...(bulk ? { detail: `bulk, reason ${flag.reason}` } : {}),
          });
          done.push(flag);
        }
        if (flags.json) out.json(bulk ? { wouldApply: [], done } : done[0]);
        else for (const flag of done) out.line(`${verb} ${flag.accessKeyId} (${flag.account}/${flag.uin})`);
        if (bulk && !flags.json && done.length === 0) out.line(`no ${flags.reason} flags in account ${flags.account}`);
        return EXIT.ok;
      });
    })
  );
}
