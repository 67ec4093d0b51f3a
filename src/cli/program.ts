// The cam-rotator command tree: the daemon (`worker`), the admin commands and the simulator, one file each
// under commands/. Parse errors (unknown command or option, missing or malformed value) exit 2 with a hint.
import { Command, CommanderError } from "commander";
import { registerCamSim } from "./commands/cam-sim.js";
import { registerCanary } from "./commands/canary.js";
import { registerCheckConfig } from "./commands/check-config.js";
import { registerEvents } from "./commands/events.js";
import { registerFlagCommands } from "./commands/flags.js";
import { registerLegacy } from "./commands/legacy.js";
import { registerNotify } from "./commands/notify.js";
import { registerQueueControl } from "./commands/queue-control.js";
import { registerRotate } from "./commands/rotate.js";
import { registerStatus } from "./commands/status.js";
import { registerSweep } from "./commands/sweep.js";
import { registerVault } from "./commands/vault.js";
import { registerWorker } from "./commands/worker.js";
import { EXIT, EXIT_CODE_HELP, type ExitCode } from "./exit-codes.js";

export function buildProgram(version: string): Command {
  const program = new Command()
    .name("cam-rotator")
    .description(
      "Rotates Tencent Cloud CAM access keys into a vault, safely under crashes and rate limits.\n" +
        "Every command except cam-sim reads its config from --config FILE or $CAM_ROTATOR_CONFIG."
    )
    .version(version)
    .showHelpAfterError("(run cam-rotator <command> --help for usage)")
    .exitOverride();
  registerWorker(program);
  registerRotate(program);
  registerSweep(program);
  registerStatus(program);
  registerFlagCommands(program);
  registerLegacy(program);
  registerQueueControl(program);
  registerEvents(program);
  registerVault(program);
  registerCheckConfig(program);
  registerCanary(program);
  registerNotify(program);
  registerCamSim(program);
  addExitCodeHelp(program);
  return program;
}

function addExitCodeHelp(command: Command): void {
  command.addHelpText("after", `\n${EXIT_CODE_HELP}`);
  command.commands.forEach(addExitCodeHelp);
}

/** Parses and runs; resolves the process exit code. */
export async function runCli(argv: readonly string[], version: string): Promise<ExitCode> {
  try {
    await buildProgram(version).parseAsync([...argv]);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Commander has printed the message and the hint; help and version end well, everything else is usage.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  return (process.exitCode ?? EXIT.ok) as ExitCode;
}
