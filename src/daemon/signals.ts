// SIGTERM and SIGINT start a graceful shutdown. A second signal, or a shutdown that overruns its deadline by
// far, ends the process with exit code 1 so an orchestrator is never left waiting forever.
import type { Logger } from "../log.js";

/** Resolves once a signal-started shutdown has finished: true when it went cleanly, false when it failed. */
export function onShutdownSignals(options: {
  log: Logger;
  deadlineMs: number;
  shutdown: (reason: string) => Promise<void>;
}): Promise<boolean> {
  return new Promise((resolve) => {
    let started = false;
    const handle = (signal: NodeJS.Signals) => {
      if (started) {
        options.log.warn({ signal }, "second signal: exiting without waiting for active jobs");
        process.exit(1);
      }
      started = true;
      // Margin for closing connections after the job deadline itself.
      setTimeout(() => {
        options.log.error({ deadlineMs: options.deadlineMs }, "shutdown overran its deadline; exiting");
        process.exit(1);
      }, options.deadlineMs + 10_000).unref();
      options.shutdown(signal).then(
        () => resolve(true),
        (error: unknown) => {
          options.log.error({ err: error }, "shutdown failed");
          resolve(false);
        }
      );
    };
    process.on("SIGTERM", handle);
    process.on("SIGINT", handle);
  });
}
