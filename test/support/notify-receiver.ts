// A local receiver for notification tests, on 127.0.0.1: it records every request (path, query, headers, raw
// body) and answers as each platform does when all is well, unless the test's plan says otherwise (a status, a
// body, or no answer at all, to make the sender time out).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered: a status, or "hang". */
  answered: number | "hang";
  at: number;
}

export type Planned = { status: number; body?: string } | "hang";

export interface NotifyReceiver {
  readonly origin: string;
  readonly received: Received[];
  /** Decides the answer to a request; undefined means the platform's normal success answer. */
  plan(decide: (request: Omit<Received, "answered" | "at">) => Planned | undefined): void;
  /** Requests that got a 2xx. */
  accepted(): Received[];
  close(): Promise<void>;
}

/** What each platform answers on success; paths start with the target type. */
function success(path: string): { status: number; body: string } {
  if (path.startsWith("/wecom") || path.startsWith("/dingtalk"))
    return { status: 200, body: JSON.stringify({ errcode: 0, errmsg: "ok" }) };
  if (path.startsWith("/feishu")) return { status: 200, body: JSON.stringify({ code: 0, msg: "success", data: {} }) };
  if (path.startsWith("/slack")) return { status: 200, body: "ok" };
  return { status: 204, body: "" };
}

export async function startNotifyReceiver(): Promise<NotifyReceiver> {
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  let decide: Parameters<NotifyReceiver["plan"]>[0] = () => undefined;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      const seen = {
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      const planned = decide(seen) ?? success(url.pathname);
      received.push({ ...seen, answered: planned === "hang" ? "hang" : planned.status, at: Date.now() });
      if (planned === "hang") {
        hanging.add(response);
        return;
      }
      response.writeHead(planned.status, {
        "content-type": planned.body?.startsWith("{") ? "application/json" : "text/plain",
      });
      response.end(planned.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    received,
    plan(next) {
      decide = next;
    },
    accepted: () =>
      received.filter((entry) => typeof entry.answered === "number" && entry.answered >= 200 && entry.answered < 300),
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The event a request carries: the webhook's header, or the "Event: <id>" line every robot message ends with. */
export function eventIdOf(request: Pick<Received, "headers" | "body">): string | undefined {
  const header = request.headers["x-cam-rotator-event-id"];
  if (typeof header === "string") return header;
  return /Event: ([A-Za-z0-9-]+)/.exec(request.body)?.[1];
}

/** A plan that answers 500 to the first `times` requests of each event on each path, then succeeds. */
export function failFirst(times: number): Parameters<NotifyReceiver["plan"]>[0] {
  const seen = new Map<string, number>();
  return (request) => {
    const key = `${request.path} ${eventIdOf(request) ?? "?"}`;
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    return count <= times ? { status: 500, body: "try again" } : undefined;
  };
}
