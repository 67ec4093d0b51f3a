// `cam-rotator cam-sim`: runs the simulator until SIGTERM/SIGINT. Stdout carries exactly one JSON line when
// ready, {"listening":"http://127.0.0.1:PORT"}, so scripts can wait for it and read the port.
import { EXIT } from "../../cli/exit-codes.js";
import { loadSeedFile, SeedError, type Seed } from "./seed.js";
import { startCamSimulator } from "./server.js";

export interface CamSimCommandOptions {
  port: number;
  host: string;
  /** Path of a JSON seed file; an empty simulator without it. */
  seed?: string;
}

export async function runCamSimCommand(opts: CamSimCommandOptions): Promise<void> {
  let seed: Seed | undefined;
  try {
    seed = opts.seed === undefined ? undefined : loadSeedFile(opts.seed);
  } catch (error) {
    if (!(error instanceof SeedError)) throw error;
    process.stderr.write(`cam-sim: ${error.message}\n`);
    process.exitCode = EXIT.usage;
    return;
  }
  let running;
  try {
    running = await startCamSimulator({ port: opts.port, host: opts.host, ...(seed ? { seed } : {}) });
  } catch (error) {
    process.stderr.write(`cam-sim: cannot listen on ${opts.host}:${opts.port}: ${(error as Error).message}\n`);
    process.exitCode = EXIT.failed;
    return;
  }
  process.stdout.write(`${JSON.stringify({ listening: running.url })}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      resolve();
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
  await running.close();
}
