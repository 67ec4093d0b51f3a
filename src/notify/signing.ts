// The signatures each receiver checks. All are HMAC-SHA256; they differ in key, message and encoding.
import { createHmac } from "node:crypto";

/** The generic webhook: hex HMAC over "<timestamp>.<body>", keyed by the shared secret. */
export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex");
}

/** DingTalk's signed mode: base64(HMAC(key = secret, message = timestamp + "\n" + secret)), timestamp in ms. */
export function dingtalkSignature(secret: string, timestampMs: number): string {
  return createHmac("sha256", secret).update(`${timestampMs}\n${secret}`).digest("base64");
}

/** Feishu/Lark: base64(HMAC(key = timestamp + "\n" + secret, message = "")), timestamp in seconds. */
export function feishuSignature(secret: string, timestampSeconds: number): string {
  return createHmac("sha256", `${timestampSeconds}\n${secret}`).update("").digest("base64");
}
