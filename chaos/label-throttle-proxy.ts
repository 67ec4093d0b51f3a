// An HTTP proxy in front of the vault (moto's forwarder) that answers ThrottlingException to AWSPENDING removals
// (the second label move of a promote, and discardPending) while throttles are armed: AWS's 50 writes/s quota
// hitting the one call that finishes a rotation. Everything else passes through unchanged.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { freePort } from "../test/support/services.js";

export interface LabelThrottleProxy {
  readonly url: string;
  /** The next `times` AWSPENDING removals answer ThrottlingException. */
  arm(times: number): void;
  /** Throttles answered so far. */
  readonly answered: number;
  close(): Promise<void>;
}

export async function startLabelThrottleProxy(targetUrl: string): Promise<LabelThrottleProxy> {
  const target = new URL(targetUrl);
  const port = await freePort();
  let armed = 0;
  let answered = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      if (armed > 0 && isPendingRemoval(request.headers, body)) {
        armed--;
        answered++;
        response.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
        response.end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }));
        return;
      }
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers: request.headers,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        }
      );
      // The vault behind is down (a moto restart): the client sees the connection cut, as it would without us.
      upstream.on("error", () => response.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    arm(times) {
      armed = times;
    },
    get answered() {
      return answered;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** UpdateSecretVersionStage that only removes AWSPENDING (its body holds ids and a label, never a secret). */
function isPendingRemoval(headers: IncomingHttpHeaders, body: Buffer): boolean {
  if (headers["x-amz-target"] !== "secretsmanager.UpdateSecretVersionStage") return false;
  try {
    const input = JSON.parse(body.toString("utf8")) as {
      VersionStage?: unknown;
      MoveToVersionId?: unknown;
      RemoveFromVersionId?: unknown;
    };
    return (
      input.VersionStage === "AWSPENDING" &&
      typeof input.RemoveFromVersionId === "string" &&
      input.MoveToVersionId === undefined
    );
  } catch {
    return false;
  }
}
