// `cam-rotator worker`: the daemon. Config and environment problems exit 2 before anything starts; an
// unreachable Redis exits 1; SIGTERM / SIGINT shut down gracefully and exit 0.
import type { Command } from "commander";
import { addConfigOption, type ConfigFlag } from "../arguments.js";
import { OperationFailed } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { runAction } from "../run-action.js";

export function registerWorker(program: Command): void {
  addConfigOption(
    program
      .command("worker")
      .description("run the daemon: rotation workers, each account's schedule, and HTTP /healthz /readyz /metrics")
  ).action(
    runAction(async (options: ConfigFlag) => {
      const [
        { loadConfig },
        { assertCredentials },
        { startDaemon },
        { probeRedis },
        { onShutdownSignals },
        { createLogger },
        { assertNotifyEnvironment },
      ] = await Promise.all([
        import("../context.js"),
        import("../../daemon/open-runtime.js"),
        import("../../daemon/daemon.js"),
        import("../../daemon/redis.js"),
        import("../../daemon/signals.js"),
        import("../../log.js"),
        import("../../notify/credentials.js"),
      ]);
      const config = loadConfig(options.config);
      assertCredentials(config);
      assertNotifyEnvironment(config.notify);
      await probeRedis(config.redis.url).catch((error: Error) => {
        throw new OperationFailed(error.message);
      });
      const log = createLogger();
      const starting = startDaemon(config, { log });
      // Listening before start-up completes, so a SIGTERM during start-up still ends in a clean shutdown.
      const stopped = onShutdownSignals({
        log,
        deadlineMs: config.worker.shutdownTimeout,
        shutdown: async (reason) => (await starting).shutdown(reason),
      });
      await starting;
      return (await stopped) ? EXIT.ok : EXIT.failed;
    })
  );
}
