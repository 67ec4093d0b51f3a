// `cam-rotator cam-sim`: runs the simulator until SIGTERM/SIGINT. Stdout carries exactly one JSON line when
// ready, {"listening":"http://127.0.0.1:PORT"}, so scripts can wait for it and read the port. It says how it
// ended and the CLI picks the exit code: the simulator knows nothing of the CLI.
import { loadSeedFile, SeedError, type Seed } from "./seed.js";
import { startCamSimulator } from "./server.js";

export interface CamSimCommandOptions {
  port: number;
  host: string;
  /** Path of a JSON seed file; an empty simulator without it. */
  seed?: string;
}

/** stopped: SIGTERM/SIGINT after serving; bad-seed: nothing started; cannot-listen: the address was refused. */
export type CamSimEnd = "stopped" | "bad-seed" | "cannot-listen";

export async function runCamSimCommand(opts: CamSimCommandOptions): Promise<CamSimEnd> {
  let seed: Seed | undefined;
  try {
    seed = opts.seed === undefined ? undefined : loadSeedFile(opts.seed);
  } catch (error) {
    if (!(error instanceof SeedError)) throw error;
    process.stderr.write(`cam-sim: ${error.message}\n`);
    return "bad-seed";
  }
  let running;
  try {
    running = await startCamSimulator({ port: opts.port, host: opts.host, ...(seed ? { seed } : {}) });
  } catch (error) {
    process.stderr.write(`cam-sim: cannot listen on ${opts.host}:${opts.port}: ${(error as Error).message}\n`);
    return "cannot-listen";
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
  return "stopped";
}
