// A private redis-server with an append-only file (appendfsync always) that can be killed with SIGKILL and
// started again on the same port and data directory: whatever Redis acknowledged before the kill must be there
// afterwards.
import { Redis } from "ioredis";
import { startRedisServer, type LocalService } from "../test/support/services.js";

export interface RestartableRedis {
  readonly url: string;
  readonly port: number;
  /** SIGKILL, then a new redis-server on the same port and directory; resolves when it answers again. */
  restart(options?: { downMs?: number }): Promise<{ downMs: number }>;
  stop(): Promise<void>;
}

export async function startRestartableRedis(dir: string): Promise<RestartableRedis> {
  let server: LocalService = await startRedisServer({ dir, appendOnly: true });
  const { port, url } = server;
  return {
    url,
    port,
    async restart(options = {}) {
      const started = Date.now();
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      await probe.connect();
      const pid = Number(/process_id:(\d+)/.exec(await probe.info("server"))?.[1]);
      probe.disconnect();
      if (!Number.isInteger(pid) || pid <= 0) throw new Error("cannot find redis-server's process id");
      process.kill(pid, "SIGKILL");
      await server.stop(); // Reaps the child; it is already dead.
      if (options.downMs) await new Promise((resolve) => setTimeout(resolve, options.downMs));
      server = await startRedisServer({ port, dir, appendOnly: true });
      return { downMs: Date.now() - started };
    },
    stop: () => server.stop(),
  };
}
