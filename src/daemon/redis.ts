// Redis connections for the daemon and the admin commands. BullMQ needs maxRetriesPerRequest: null on the
// connection its workers block on; admin commands first probe with a short timeout so that an unreachable Redis
// is a clear error instead of a hang.
import { Redis } from "ioredis";
import { displayRedisUrl } from "../config/redis-url.js";

export { displayRedisUrl };

export function connectRedis(url: string, name: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
}

/** PINGs once with a deadline; resolves the round trip in ms, rejects with a message naming the URL. */
export async function probeRedis(url: string, timeoutMs = 3_000): Promise<number> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // With retries off, commands fail with "Connection is closed"; the socket's own error says why.
  let socketError: unknown;
  probe.on("error", (error) => {
    socketError ??= error;
  });
  const started = performance.now();
  try {
    await withTimeout(probe.connect(), timeoutMs);
    await withTimeout(probe.ping(), timeoutMs);
    return performance.now() - started;
  } catch (error) {
    throw new Error(`Redis at ${displayRedisUrl(url)} is unreachable: ${reasonOf(socketError ?? error)}`);
  } finally {
    probe.disconnect();
  }
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /ECONNREFUSED/.test(message) ? "connection refused" : message.split("\n")[0]!.slice(0, 160);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
