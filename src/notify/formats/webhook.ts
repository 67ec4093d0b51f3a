// The generic JSON webhook: the event as it is, with headers a receiver needs to verify and deduplicate it.
// Signature: hex HMAC-SHA256 over "<X-Cam-Rotator-Timestamp>.<raw body>", keyed by the secret in `secretEnv`.
import { webhookSignature } from "../signing.js";
import { JSON_HEADERS, type Format } from "./request.js";

/** Bumped when a field changes meaning or goes away; new fields may appear within a version. */
export const WEBHOOK_SCHEMA_VERSION = "1";

export const WEBHOOK_HEADERS = {
  schema: "x-cam-rotator-schema-version",
  eventId: "x-cam-rotator-event-id",
  eventType: "x-cam-rotator-event-type",
  timestamp: "x-cam-rotator-timestamp",
  signature: "x-cam-rotator-signature",
} as const;

export const webhookFormat: Format = {
  request(event, credentials, nowMs) {
    if (!credentials.secret) throw new Error("the webhook target needs a signing secret (secretEnv)");
    const body = JSON.stringify({ schemaVersion: Number(WEBHOOK_SCHEMA_VERSION), ...event });
    const timestamp = Math.floor(nowMs / 1000);
    return {
      url: credentials.url,
      body,
      headers: {
        ...JSON_HEADERS,
        [WEBHOOK_HEADERS.schema]: WEBHOOK_SCHEMA_VERSION,
        [WEBHOOK_HEADERS.eventId]: event.id,
        [WEBHOOK_HEADERS.eventType]: event.type,
        [WEBHOOK_HEADERS.timestamp]: String(timestamp),
        [WEBHOOK_HEADERS.signature]: `sha256=${webhookSignature(credentials.secret, timestamp, body)}`,
      },
    };
  },
  answer: (status) => ({ kind: "delivered", detail: `HTTP ${status}` }),
};
