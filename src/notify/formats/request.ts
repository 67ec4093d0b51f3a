// What every format turns an event into, and how it reads the receiver's answer.
import type { NotifyEvent } from "../events.js";

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Where and with what a target signs: read from the environment variables its config names. */
export interface TargetCredentials {
  url: string;
  secret: string | undefined;
}

export type Answer =
  | { kind: "delivered"; detail: string }
  /** Worth another attempt: a 5xx, 429, a timeout, the platform's own rate limit. */
  | { kind: "retry"; detail: string }
  /** Another attempt would meet the same answer: a bad token, a bad signature, a refused body. */
  | { kind: "refused"; detail: string };

export interface Format {
  request(event: NotifyEvent, credentials: TargetCredentials, nowMs: number): OutgoingRequest;
  /** Reads a response (any status); HTTP-level retry rules are applied before this by the caller for non-2xx. */
  answer(status: number, body: string): Answer;
}

export const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

/** Robots answer HTTP 200 with a JSON error code; `retryCodes` are their rate limits. */
export function robotAnswer(body: string, codeField: string, retryCodes: readonly number[]): Answer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: "refused", detail: `answer is not JSON: ${JSON.stringify(body.slice(0, 120))}` };
  }
  const record = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const code = record[codeField] ?? record.StatusCode;
  const message = textOf(record.errmsg ?? record.msg ?? record.StatusMessage).slice(0, 200);
  if (code === 0) return { kind: "delivered", detail: message || "ok" };
  const detail = `${codeField} ${JSON.stringify(code)}${message ? `: ${message}` : ""}`;
  return typeof code === "number" && retryCodes.includes(code)
    ? { kind: "retry", detail }
    : { kind: "refused", detail };
}

/** Keeps text under a platform's byte limit, cutting whole characters. */
export function clip(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = text;
  while (Buffer.byteLength(`${cut}…`) > maxBytes)
    cut = cut.slice(0, -Math.max(1, Math.ceil((Buffer.byteLength(cut) - maxBytes) / 4)));
  return `${cut}…`;
}

/** A robot's message field as text: a string as it is, anything else as JSON (never "[object Object]"). */
function textOf(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}
