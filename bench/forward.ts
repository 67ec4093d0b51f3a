// What the bench's vault proxies share: passing a request on and its answer back unchanged, and a local port.
import { request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export function forward(
  upstream: { host: string; port: number | string },
  req: IncomingMessage,
  res: ServerResponse
): void {
  const call = request(
    { host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    }
  );
  call.on("error", () => res.destroy());
  req.pipe(call);
}

/** Listens on a free port of 127.0.0.1 and returns the server's URL. */
export async function listenLocally(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
