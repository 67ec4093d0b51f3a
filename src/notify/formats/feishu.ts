// Feishu/Lark custom bot: {"msg_type":"text","content":{"text"}}, plus "timestamp" (seconds, a string) and
// "sign" in the body when the bot has signature verification on. It answers {"code":0,"msg":"success"};
// 11232 is its rate limit.
import { plainText } from "../message.js";
import { feishuSignature } from "../signing.js";
import { clip, JSON_HEADERS, robotAnswer, type Format } from "./request.js";

const MAX_BYTES = 20_000;

export const feishuFormat: Format = {
  request(event, credentials, nowMs) {
    const timestamp = Math.floor(nowMs / 1000);
    const signature = credentials.secret
      ? { timestamp: String(timestamp), sign: feishuSignature(credentials.secret, timestamp) }
      : {};
    const body = { ...signature, msg_type: "text", content: { text: clip(plainText(event), MAX_BYTES) } };
    return { url: credentials.url, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
  },
  answer: (_status, body) => robotAnswer(body, "code", [11232]),
};
