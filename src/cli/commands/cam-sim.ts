// `cam-rotator cam-sim`: the local CAM simulator (src/cam/simulator), for the demo, tests and compose.
import { InvalidArgumentError, type Command } from "commander";

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError("expected a port number 0-65535 (0 = a free port)");
  return port;
}

export function registerCamSim(program: Command): void {
  program.command("cam-sim")
    .description("run the local CAM simulator; prints {\"listening\":URL} when ready")
    .requiredOption("--port <port>", "port to listen on (0 = a free port)", parsePort)
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--seed <file>", "JSON seed: accounts, users, keys, rate limits")
    .action(async (opts: { port: number; host: string; seed?: string }) => {
      const { runCamSimCommand } = await import("../../cam/simulator/command.js");
      await runCamSimCommand(opts);
    });
}
