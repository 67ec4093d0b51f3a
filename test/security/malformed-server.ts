// A tiny HTTP server that answers every CAM call with whatever the current test case says: malformed JSON,
// wrong shapes, huge bodies, odd statuses, cut connections. The real client (official SDK + Redis gate) talks
// to it, so the test sees exactly what a misbehaving CAM or proxy would do to the rotator.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Answer = (request: IncomingMessage, response: ServerResponse) => void;

export interface MalformedServer {
  url: string;
  /** What the next requests get. */
  answer(with_: Answer): void;
  close(): Promise<void>;
}

export async function startMalformedServer(): Promise<MalformedServer> {
  let current: Answer = (_request, response) => response.end();
  const server = createServer((request, response) => {
    // Drain the request first so the SDK's write never races our answer.
    request.resume();
    request.once("end", () => current(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answer(with_) {
      current = with_;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A 200 whose body is `body` as given (a string is sent raw, anything else as JSON). */
export function ok(body: unknown, contentType = "application/json"): Answer {
  const text = typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return (_request, response) => {
    response.writeHead(200, { "content-type": contentType });
    response.end(text);
  };
}

export function status(code: number, body = "", contentType = "text/plain"): Answer {
  return (_request, response) => {
    response.writeHead(code, { "content-type": contentType });
    response.end(body);
  };
}

/** Promises `length` bytes, sends a few, then cuts the connection. */
export function truncated(length: number, sent: string): Answer {
  return (_request, response) => {
    response.writeHead(200, { "content-type": "application/json", "content-length": String(length) });
    response.write(sent);
    setTimeout(() => response.socket?.destroy(), 20);
  };
}

export const hangUp: Answer = (request) => request.socket.destroy();

export function slow(ms: number, then: Answer): Answer {
  return (request, response) => {
    const timer = setTimeout(() => then(request, response), ms);
    response.once("close", () => clearTimeout(timer));
  };
}
