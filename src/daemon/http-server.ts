// The daemon's HTTP endpoint: /healthz (the process is up), /readyz (Redis answers and nothing blocks the daemon,
// such as a fleet whose configs differ), /metrics (Prometheus).
// It binds loopback by default; nothing here accepts input beyond the path.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Logger } from "../log.js";

export interface HttpServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Resolves true when the daemon can do its work (Redis reachable); a rejection counts as not ready. */
  ready: () => Promise<boolean>;
  /** Why the daemon refuses to work although Redis answers (e.g. config drift), or null; checked first. */
  blockedBy?: () => string | null;
  log: Logger;
}

export interface RunningHttpServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const send = (status: number, body: string, contentType = "text/plain; charset=utf-8") => {
      response.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
      response.end(body);
    };
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, "method not allowed\n");
    switch (path) {
      case "/healthz":
        return send(200, "ok\n");
      case "/readyz": {
        const blocked = options.blockedBy?.();
        if (blocked) return send(503, `not ready: ${blocked}\n`);
        return void options.ready().then(
          (ready) => send(ready ? 200 : 503, ready ? "ready\n" : "not ready: redis unreachable\n"),
          () => send(503, "not ready: redis unreachable\n")
        );
      }
      case "/metrics":
        return void options.registry.metrics().then(
          (text) => send(200, text, options.registry.contentType),
          (error: unknown) => {
            options.log.error({ err: error }, "metrics collection failed");
            send(500, "metrics collection failed\n");
          }
        );
      default:
        return send(404, "not found: try /healthz, /readyz or /metrics\n");
    }
  });
  // Keep-alive scrapers must not hold shutdown open.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
