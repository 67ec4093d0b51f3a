// `cam-rotator flagged`, `approve-removal` and `dismiss-flag`: keys the rotator flagged for removal instead of
// removing them on its own (a foreign key, or an old key still in use, at the two-key limit).
import type { Command } from "commander";
import type { FlaggedKey, RotationEngine } from "../../jobs/engine/face.js";
import { addConfigOption, addJsonOption, parseKeyId, type ConfigFlag, type JsonFlag } from "../arguments.js";
import { UsageError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { processOutput, type Output } from "../output.js";
import { runAction } from "../run-action.js";
import { formatTable, formatTime } from "../table.js";

interface KeyFlags extends ConfigFlag, JsonFlag { key: string }

export function registerFlagCommands(program: Command, out: Output = processOutput): void {
  addJsonOption(addConfigOption(program.command("flagged")
    .description("list keys flagged for removal")))
    .action(runAction(async (flags: ConfigFlag & JsonFlag) => {
      const { loadConfig, withRuntime } = await import("../context.js");
      const config = loadConfig(flags.config);
      return withRuntime(config, async ({ engine }) => {
        const flagged = await engine.listFlags();
        if (flags.json) out.json(flagged);
        else if (flagged.length === 0) out.line("no keys are flagged for removal");
        else out.line(formatTable(flagged, [
          { header: "KEY", value: (flag) => flag.accessKeyId },
          { header: "ACCOUNT", value: (flag) => flag.account },
          { header: "UIN", value: (flag) => flag.uin },
          { header: "REASON", value: (flag) => flag.reason },
          { header: "STATUS", value: (flag) => flag.status },
          { header: "FLAGGED AT", value: (flag) => formatTime(flag.flaggedAt) },
        ]));
        return EXIT.ok;
      });
    }));

  registerKeyCommand(program, out, "approve-removal",
    "approve removing a flagged key: the rotator deactivates and deletes it, and the parked rotation resumes",
    (engine, key) => engine.approveRemoval(key), "approved removal of");
  registerKeyCommand(program, out, "dismiss-flag",
    "dismiss a flag: the key stays, is not flagged again, and its user's rotation stays parked until the key is gone",
    (engine, key) => engine.dismissFlag(key), "dismissed the flag on");
}

function registerKeyCommand(program: Command, out: Output, name: "approve-removal" | "dismiss-flag", description: string,
  apply: (engine: RotationEngine, key: string) => Promise<FlaggedKey>, verb: string): void {
  addJsonOption(addConfigOption(program.command(name)
    .description(description)
    .requiredOption("--key <id>", "the flagged AccessKeyId (see `cam-rotator flagged`)", parseKeyId)))
    .action(runAction(async (flags: KeyFlags) => {
      const { auditAction, loadConfig, withRuntime } = await import("../context.js");
      const { assertRecordKey } = await import("../../daemon/open-runtime.js");
      const config = loadConfig(flags.config);
      assertRecordKey(config); // an unsigned approval would be ignored by every daemon that has the key
      return withRuntime(config, async ({ engine }) => {
        const known = (await engine.listFlags()).some((flag) => flag.accessKeyId === flags.key);
        if (!known) throw new UsageError(`key ${flags.key} is not flagged; \`cam-rotator flagged\` lists the flagged keys`);
        const flag = await apply(engine, flags.key);
        await auditAction(engine, { action: name, account: flag.account, uin: flag.uin, keyId: flag.accessKeyId });
        if (flags.json) out.json(flag);
        else out.line(`${verb} ${flag.accessKeyId} (${flag.account}/${flag.uin})`);
        return EXIT.ok;
      });
    }));
}
