// `cam-rotator cam-sim`: the local CAM simulator (src/cam/simulator), for the demo, tests and compose.
import { InvalidArgumentError, type Command } from "commander";
import type { CamSimEnd } from "../../cam/simulator/command.js";
import { EXIT, type ExitCode } from "../exit-codes.js";

const EXIT_OF: Record<CamSimEnd, ExitCode> = { stopped: EXIT.ok, "bad-seed": EXIT.usage, "cannot-listen": EXIT.failed };

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new InvalidArgumentError("expected a port number 0-65535 (0 = a free port)");
  return port;
}

export function registerCamSim(program: Command): void {
  program
    .command("cam-sim")
    .description('run the local CAM simulator; prints {"listening":URL} when ready')
    .requiredOption("--port <port>", "port to listen on (0 = a free port)", parsePort)
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--seed <file>", "JSON seed: accounts, users, keys, rate limits")
    .action(async (opts: { port: number; host: string; seed?: string }) => {
      const { runCamSimCommand } = await import("../../cam/simulator/command.js");
      process.exitCode = EXIT_OF[await runCamSimCommand(opts)];
    });
}
