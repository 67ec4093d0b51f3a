// The simulator over node:http: API requests at POST /, the control plane under /_sim/.
import { randomUUID } from "node:crypto";
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorEnvelope } from "./api-error.js";
import { handleControl } from "./control.js";
import { CamSimulator, type Reply, type SimulatorSettings } from "./simulator.js";

/** Tencent refuses bodies above 10 MB; CAM requests are tiny, so 1 MiB is plenty. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface CamSimulatorOptions extends SimulatorSettings {
  /** 0 or absent: a free port. */
  port?: number;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
}

export interface RunningCamSimulator {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** In-process access to state, faults and the request log (the same as the /_sim/ routes). */
  simulator: CamSimulator;
  close(): Promise<void>;
}

export async function startCamSimulator(options: CamSimulatorOptions = {}): Promise<RunningCamSimulator> {
  const simulator = new CamSimulator(options);
  const server = createServer((request, response) => {
    serve(simulator, request, response).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    simulator,
    close: () =>
      new Promise<void>((resolve, reject) => {
        simulator.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function serve(simulator: CamSimulator, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // Stamped before the body is read: reading takes event-loop turns, and a busy simulator would otherwise count
  // a request later than it arrived, which no gateway does.
  const receivedAt = simulator.time();
  // The Date header follows the simulator's shifted clock, as a CAM whose clock differs from ours would send it.
  response.setHeader("date", simulator.httpDate());
  const url = new URL(request.url ?? "/", "http://simulator");
  const body = await readBody(request);
  if (url.pathname.startsWith("/_sim/")) {
    const reply =
      body === undefined
        ? { status: 413, body: { error: `request body over ${MAX_BODY_BYTES} bytes` } }
        : handleControl(simulator, request.method ?? "GET", url.pathname, body);
    return sendJson(response, reply.status, reply.body);
  }
  if (body === undefined) {
    return sendJson(
      response,
      200,
      errorEnvelope("RequestSizeLimitExceeded", `request body over ${MAX_BODY_BYTES} bytes`, randomUUID())
    );
  }
  const reply = await simulator.handle(
    {
      method: request.method ?? "GET",
      path: url.pathname,
      query: url.search.slice(1),
      headers: request.headers,
      body,
    },
    receivedAt
  );
  send(request, response, reply);
}

function send(request: IncomingMessage, response: ServerResponse, reply: Reply): void {
  switch (reply.kind) {
    case "json":
      return sendJson(response, 200, reply.body);
    case "http":
      response.writeHead(reply.status, { "content-type": "text/plain" });
      response.end(STATUS_CODES[reply.status] ?? "error");
      return;
    case "garbage":
      // What a misbehaving proxy might send: a 200 whose body is not JSON.
      response.writeHead(200, { "content-type": "application/json" });
      response.end("<html><body>upstream said something odd</body></html>");
      return;
    case "lost":
      // The state change (if any) has committed; the caller never hears of it.
      request.socket.destroy();
      return;
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

/** The whole body, or undefined when it is over the size limit. */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
