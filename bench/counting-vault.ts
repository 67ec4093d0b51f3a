// An HTTP proxy in front of the bench's vault endpoint (moto, or the throttling proxy) that counts what the
// workers ask of Secrets Manager: calls per API (from X-Amz-Target) and the TCP connections they open, which
// shows whether the workers' sockets are reused. It passes every request and answer through unchanged, moto's
// `Connection: close` included, so it does not change what it measures.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, forward, listenLocally } from "./forward.js";

export interface CountingVault {
  readonly url: string;
  /** Requests per Secrets Manager API ("DescribeSecret", "PutSecretValue", ...), SDK retries included. */
  readonly calls: Record<string, number>;
  /** TCP connections the clients opened to the proxy. */
  connections(): number;
  /** Forgets the counts. */
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingVault(target: string): Promise<CountingVault> {
  const upstream = new URL(target);
  const calls: Record<string, number> = {};
  let connections = 0;
  const count = (req: IncomingMessage, res: ServerResponse) => {
    const target = String(req.headers["x-amz-target"] ?? "");
    const api = target.slice(target.indexOf(".") + 1) || "(none)";
    calls[api] = (calls[api] ?? 0) + 1;
    forward({ host: upstream.hostname, port: upstream.port }, req, res);
  };
  const server = createServer(count);
  server.on("connection", () => connections++);
  const url = await listenLocally(server);
  return {
    url,
    calls,
    connections: () => connections,
    reset() {
      for (const api of Object.keys(calls)) delete calls[api];
      connections = 0;
    },
    close: () => closeServer(server),
  };
}
