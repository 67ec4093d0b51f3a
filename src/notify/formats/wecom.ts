// WeCom (企业微信) group robot: {"msgtype":"markdown","markdown":{"content"}} or {"msgtype":"text","text":{"content"}}.
// The robot's key is in its URL; there is no signature. It answers {"errcode":0,"errmsg":"ok"}; 45009 is its
// rate limit (20 messages a minute).
import { markdownText, plainText } from "../message.js";
import { clip, JSON_HEADERS, robotAnswer, type Format } from "./request.js";

const MARKDOWN_MAX_BYTES = 4_096;
const TEXT_MAX_BYTES = 2_048;

export function wecomFormat(msgtype: "markdown" | "text"): Format {
  return {
    request(event, credentials) {
      const body =
        msgtype === "markdown"
          ? { msgtype, markdown: { content: clip(markdownText(event), MARKDOWN_MAX_BYTES) } }
          : { msgtype, text: { content: clip(plainText(event), TEXT_MAX_BYTES) } };
      return { url: credentials.url, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
    },
    answer: (_status, body) => robotAnswer(body, "errcode", [45009]),
  };
}
