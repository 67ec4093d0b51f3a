// Slack incoming webhook: {"text"} in Slack's mrkdwn. The URL is the credential; there is no signature. It
// answers HTTP 200 with the text "ok"; errors come as 4xx with a short text such as "invalid_payload".
import { markdownText } from "../message.js";
import { clip, JSON_HEADERS, type Format } from "./request.js";

const MAX_BYTES = 35_000;

export const slackFormat: Format = {
  request(event, credentials) {
    const text = markdownText(
      event,
      (bold) => `*${bold}*`,
      (label, url) => `<${url}|${label}>`
    );
    return {
      url: credentials.url,
      headers: { ...JSON_HEADERS },
      body: JSON.stringify({ text: clip(text, MAX_BYTES) }),
    };
  },
  answer: (_status, body) =>
    body.trim() === "ok"
      ? { kind: "delivered", detail: "ok" }
      : { kind: "refused", detail: `answer ${JSON.stringify(body.slice(0, 120))}` },
};
