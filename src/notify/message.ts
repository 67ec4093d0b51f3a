// The human wording of an event, shared by the chat robots: a title, labelled lines and commands. The generic
// webhook sends the event itself instead. The event id comes second, so that cutting a long text keeps it.
import type { NotifyEvent } from "./events.js";

export interface Message {
  title: string;
  lines: Array<{ label: string; value: string }>;
  /** Shell commands an operator may run, shown as code. */
  commands: string[];
  runbook: string | null;
}

export function messageOf(event: NotifyEvent): Message {
  const who = (account: string, uin: number) => `${account}/${uin}`;
  switch (event.type) {
    case "key-flagged":
      return {
        title: `Key flagged for removal: action needed (${who(event.account, event.uin)})`,
        lines: [
          { label: "Key", value: event.accessKeyId },
          { label: "Reason", value: event.reason },
          { label: "Rotation", value: "parked until the key is removed or the flag dismissed" },
        ],
        commands: [event.approveCommand, event.dismissCommand],
        runbook: event.runbook,
      };
    case "rotation-failed":
      return {
        title: `Rotation failed for good (${who(event.account, event.uin)})`,
        lines: [
          { label: "Reason", value: event.reason },
          { label: "Old key", value: "still current; nothing was lost" },
        ],
        commands: [event.retryCommand],
        runbook: event.runbook,
      };
    case "retirement-held":
      return {
        title: `Old key still in use: retirement held (${who(event.account, event.uin)})`,
        lines: [
          { label: "Key", value: event.accessKeyId },
          { label: "Last used", value: event.lastUsedAt ?? "unknown" },
        ],
        commands: [],
        runbook: event.runbook,
      };
    case "cam-auth-failing":
      return {
        title: `CAM authentication failing for account ${event.account}`,
        lines: [
          { label: "Action", value: event.action },
          { label: "Code", value: event.code },
        ],
        commands: [`cam-rotator check-config`],
        runbook: event.runbook,
      };
    case "sweep-missed":
      return {
        title: `Scheduled sweep missed for account ${event.account}`,
        lines: [
          { label: "Slot", value: event.slot },
          { label: "Tolerance", value: `${event.toleranceSeconds} s` },
        ],
        commands: [`cam-rotator sweep --account ${event.account}`],
        runbook: event.runbook,
      };
    case "daemon-started":
      return {
        title: `cam-rotator worker started on ${event.host}`,
        lines: [{ label: "PID", value: String(event.pid) }],
        commands: [],
        runbook: null,
      };
    case "daemon-stopped":
      return {
        title: `cam-rotator worker stopping on ${event.host}`,
        lines: [
          { label: "PID", value: String(event.pid) },
          { label: "Reason", value: event.reason },
        ],
        commands: [],
        runbook: null,
      };
    case "test":
      return {
        title: `cam-rotator test message for target ${event.target}`,
        lines: [{ label: "Result", value: "this target is configured correctly" }],
        commands: [],
        runbook: null,
      };
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

/** Plain text: every platform's text message, and the fallback where markdown is not rendered. */
export function plainText(event: NotifyEvent): string {
  const message = messageOf(event);
  return [
    `[cam-rotator] ${message.title}`,
    `Event: ${event.id}`,
    ...message.lines.map((line) => `${line.label}: ${line.value}`),
    ...message.commands.map((command) => `Run: ${command}`),
    ...(message.runbook ? [`Runbook: ${message.runbook}`] : []),
  ].join("\n");
}

/** Markdown as WeCom, DingTalk and (with `*bold*`) Slack render it. */
export function markdownText(
  event: NotifyEvent,
  bold: (text: string) => string = (text) => `**${text}**`,
  link: (text: string, url: string) => string = (text, url) => `[${text}](${url})`
): string {
  const message = messageOf(event);
  return [
    bold(`[cam-rotator] ${message.title}`),
    `Event: ${event.id}`,
    ...message.lines.map((line) => `> ${line.label}: ${line.value}`),
    ...message.commands.map((command) => `\`${command}\``),
    ...(message.runbook ? [link("Runbook", message.runbook)] : []),
  ].join("\n\n");
}
