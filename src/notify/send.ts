// One delivery attempt: POST the target's request and classify the answer. The URL never appears in what this
// returns (it may embed a token): details name the status, the platform's code, or the network error's code.
import type { NotifyEvent } from "./events.js";
import type { Answer, Format, TargetCredentials } from "./formats/request.js";

const RETRY_STATUSES = new Set([408, 425, 429]);
const MAX_ANSWER_BYTES = 64 * 1024;

export async function sendOnce(
  format: Format,
  event: NotifyEvent,
  credentials: TargetCredentials,
  timeoutMs: number,
  nowMs: number = Date.now()
): Promise<Answer> {
  const request = format.request(event, credentials, nowMs);
  let response: Response;
  let body: string;
  try {
    response = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      redirect: "error",
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = (await response.text()).slice(0, MAX_ANSWER_BYTES);
  } catch (error) {
    return { kind: "retry", detail: networkProblem(error, timeoutMs) };
  }
  if (response.status >= 200 && response.status < 300) return format.answer(response.status, body);
  const detail = `HTTP ${response.status}${body.trim() ? `: ${body.trim().slice(0, 120)}` : ""}`;
  return response.status >= 500 || RETRY_STATUSES.has(response.status)
    ? { kind: "retry", detail }
    : { kind: "refused", detail };
}

function networkProblem(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; cause?: { code?: string; name?: string } };
  if (err.name === "TimeoutError" || err.cause?.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  return `request failed: ${err.cause?.code ?? err.name ?? "unknown error"}`;
}
