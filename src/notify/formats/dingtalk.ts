// DingTalk (钉钉) custom robot: {"msgtype":"markdown","markdown":{"title","text"}} or {"msgtype":"text","text":{"content"}}.
// In signed mode (a secret configured) the URL gets `timestamp` (ms) and `sign` query parameters. It answers
// {"errcode":0,"errmsg":"ok"}; 130101 means "sending too fast".
import { markdownText, messageOf, plainText } from "../message.js";
import { dingtalkSignature } from "../signing.js";
import { clip, JSON_HEADERS, robotAnswer, type Format } from "./request.js";

const MAX_BYTES = 20_000;

export function dingtalkFormat(msgtype: "markdown" | "text"): Format {
  return {
    request(event, credentials, nowMs) {
      const url = new URL(credentials.url);
      if (credentials.secret) {
        url.searchParams.set("timestamp", String(nowMs));
        url.searchParams.set("sign", dingtalkSignature(credentials.secret, nowMs));
      }
      const body =
        msgtype === "markdown"
          ? {
              msgtype,
              markdown: { title: clip(messageOf(event).title, 200), text: clip(markdownText(event), MAX_BYTES) },
            }
          : { msgtype, text: { content: clip(plainText(event), MAX_BYTES) } };
      return { url: url.toString(), headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
    },
    answer: (_status, body) => robotAnswer(body, "errcode", [130101]),
  };
}
