// What each platform requires of a message, written from its documentation, independently of src/notify: the
// body's required fields and types (zod), and the signature check the platform itself makes. `problemsOf`
// returns everything wrong with one received request; an empty list means the platform would accept it.
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Received } from "./notify-receiver.js";

export type Platform = "webhook" | "wecom" | "dingtalk" | "feishu" | "slack";

const bytesAtMost = (max: number) =>
  z
    .string()
    .min(1)
    .refine((text) => Buffer.byteLength(text) <= max, `longer than ${max} bytes`);

/** WeCom group robot: msgtype text (content <= 2048 bytes) or markdown (content <= 4096 bytes). */
const wecom = z.discriminatedUnion("msgtype", [
  z.object({ msgtype: z.literal("text"), text: z.object({ content: bytesAtMost(2048) }) }),
  z.object({ msgtype: z.literal("markdown"), markdown: z.object({ content: bytesAtMost(4096) }) }),
]);
/** DingTalk custom robot: text {content} or markdown {title, text}. */
const dingtalk = z.discriminatedUnion("msgtype", [
  z.object({ msgtype: z.literal("text"), text: z.object({ content: z.string().min(1) }) }),
  z.object({
    msgtype: z.literal("markdown"),
    markdown: z.object({ title: z.string().min(1), text: z.string().min(1) }),
  }),
]);
/** Feishu/Lark custom bot: msg_type text with content.text; timestamp (seconds, string) and sign when signed. */
const feishu = z.object({
  msg_type: z.literal("text"),
  content: z.object({ text: z.string().min(1) }),
  timestamp: z
    .string()
    .regex(/^\d{10}$/)
    .optional(),
  sign: z.string().min(1).optional(),
});
/** Slack incoming webhook: a top-level text (mrkdwn). */
const slack = z.object({ text: z.string().min(1) });
/** cam-rotator's generic webhook, schema version 1 (README). */
const webhook = z
  .object({
    schemaVersion: z.literal(1),
    id: z.string().regex(/^[A-Za-z0-9-]+$/),
    type: z.string().min(1),
    time: z.iso.datetime(),
  })
  .loose();

const SCHEMAS = { webhook, wecom, dingtalk, feishu, slack } as const;
const HOUR_MS = 3_600_000;

export function problemsOf(platform: Platform, request: Received, secret?: string): string[] {
  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    return ["body is not JSON"];
  }
  if (request.headers["content-type"]?.startsWith("application/json") !== true)
    return ["content-type is not application/json"];
  const parsed = SCHEMAS[platform].safeParse(body);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  if (secret !== undefined)
    problems.push(...signatureProblems(platform, request, body as Record<string, unknown>, secret));
  return problems;
}

function signatureProblems(
  platform: Platform,
  request: Received,
  body: Record<string, unknown>,
  secret: string
): string[] {
  switch (platform) {
    case "webhook": {
      const timestamp = String(request.headers["x-cam-rotator-timestamp"]);
      const expected = `sha256=${createHmac("sha256", secret).update(`${timestamp}.${request.body}`).digest("hex")}`;
      const got = String(request.headers["x-cam-rotator-signature"]);
      const problems = equal(got, expected) ? [] : ["webhook signature does not verify"];
      if (Math.abs(Number(timestamp) * 1000 - Date.now()) > 5 * 60_000) problems.push("webhook timestamp is not fresh");
      if (request.headers["x-cam-rotator-schema-version"] !== "1") problems.push("schema version header is not 1");
      if (request.headers["x-cam-rotator-event-id"] !== body.id)
        problems.push("event id header differs from the body's id");
      return problems;
    }
    case "dingtalk": {
      // DingTalk: string_to_sign = timestamp + "\n" + secret; sign = urlencode(base64(HmacSHA256(secret, string_to_sign))).
      const timestamp = request.query.get("timestamp") ?? "";
      const expected = createHmac("sha256", secret).update(`${timestamp}\n${secret}`).digest("base64");
      const problems = equal(request.query.get("sign") ?? "", expected) ? [] : ["dingtalk sign does not verify"];
      if (!/^\d{13}$/.test(timestamp) || Math.abs(Number(timestamp) - Date.now()) > HOUR_MS)
        problems.push("dingtalk timestamp is not a fresh ms time");
      if (!request.query.get("access_token")) problems.push("dingtalk access_token is missing from the URL");
      return problems;
    }
    case "feishu": {
      // Feishu: string_to_sign = timestamp + "\n" + secret, used as the HMAC key over an empty message; base64.
      const timestamp =
        typeof body.timestamp === "string" || typeof body.timestamp === "number" ? String(body.timestamp) : "";
      const expected = createHmac("sha256", `${timestamp}\n${secret}`).update("").digest("base64");
      const problems = equal(typeof body.sign === "string" ? body.sign : "", expected)
        ? []
        : ["feishu sign does not verify"];
      if (Math.abs(Number(timestamp) * 1000 - Date.now()) > HOUR_MS) problems.push("feishu timestamp is not fresh");
      return problems;
    }
    case "wecom":
    case "slack":
      return []; // No signature: the URL's token is the credential.
    default: {
      const unknown: never = platform;
      return [`unknown platform ${String(unknown)}`];
    }
  }
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
