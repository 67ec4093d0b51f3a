// The format of each target type.
import type { NotifyTarget } from "../config.js";
import { dingtalkFormat } from "./dingtalk.js";
import { feishuFormat } from "./feishu.js";
import type { Format } from "./request.js";
import { slackFormat } from "./slack.js";
import { webhookFormat } from "./webhook.js";
import { wecomFormat } from "./wecom.js";

export function formatOf(target: NotifyTarget): Format {
  switch (target.type) {
    case "webhook":
      return webhookFormat;
    case "wecom":
      return wecomFormat(target.msgtype);
    case "dingtalk":
      return dingtalkFormat(target.msgtype);
    case "feishu":
      return feishuFormat;
    case "slack":
      return slackFormat;
    default: {
      const unknown: never = target;
      throw new Error(`unknown target type ${JSON.stringify(unknown)}`);
    }
  }
}
