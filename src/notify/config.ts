// The `notify:` block of the config: where operators hear about what needs them. Every target names the
// environment variables that hold its URL (a robot's URL embeds its token, so it is a credential) and its
// signing secret; the file itself holds neither.
import { z } from "zod";
import { parseDuration } from "../config/duration.js";

export const NOTIFY_EVENT_TYPES = [
  "key-flagged",
  "rotation-failed",
  "retirement-held",
  "cam-auth-failing",
  "sweep-missed",
  "daemon-started",
  "daemon-stopped",
] as const;
export type NotifyEventType = (typeof NOTIFY_EVENT_TYPES)[number];

/** What a target hears when its config lists no events: everything that needs an operator, not the lifecycle. */
export const DEFAULT_EVENTS: readonly NotifyEventType[] = NOTIFY_EVENT_TYPES.filter(
  (type) => !type.startsWith("daemon-")
);

export const TARGET_TYPES = ["webhook", "wecom", "dingtalk", "feishu", "slack"] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

const MAX_TIMER_MS = 2 ** 31 - 1;
const durationFrom = (minMs: number, maxMs = MAX_TIMER_MS, hint = "24d") =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === null || ms < minMs || ms > maxMs) {
      ctx.addIssue({
        code: "custom",
        message: `expected a duration from ${minMs}ms to ${hint}, such as 250ms, 30s, 5m or 12h`,
      });
      return z.NEVER;
    }
    return ms;
  });

const positiveInt = z
  .number({ error: "expected a positive integer" })
  .int("expected a positive integer")
  .positive("expected a positive integer");
const ENV_NAME_HINT = "expected an environment variable name (A-Z, 0-9, _)";
const envName = z.string({ error: ENV_NAME_HINT }).regex(/^[A-Z_][A-Z0-9_]*$/, ENV_NAME_HINT);
const targetName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    "expected a lower-case name of letters, digits, - and _ (it names the target's delivery queue)"
  );
const events = z
  .array(z.enum(NOTIFY_EVENT_TYPES, { error: `expected one of ${NOTIFY_EVENT_TYPES.join(", ")}` }))
  .min(1, "expected at least one event type")
  .optional();

/** Robots allow about 20 messages a minute (WeCom, DingTalk); Slack about one a second. */
const rateLimit = z
  .strictObject({ max: positiveInt, per: durationFrom(1, 3_600_000, "1h") })
  .default({ max: 20, per: 60_000 });

const common = {
  name: targetName,
  urlEnv: envName,
  events,
  rateLimit,
  /** One HTTP request; a slower answer counts as a failed attempt. */
  timeout: durationFrom(1, 120_000, "2m").default(10_000),
};

const targetSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("webhook"), ...common, secretEnv: envName }),
    z.strictObject({ type: z.literal("wecom"), ...common, msgtype: z.enum(["markdown", "text"]).default("markdown") }),
    z.strictObject({
      type: z.literal("dingtalk"),
      ...common,
      secretEnv: envName.optional(),
      msgtype: z.enum(["markdown", "text"]).default("markdown"),
    }),
    z.strictObject({ type: z.literal("feishu"), ...common, secretEnv: envName.optional() }),
    z.strictObject({ type: z.literal("slack"), ...common }),
  ],
  { error: `expected type ${TARGET_TYPES.join(", ")}` }
);

export const notifySchema = z.strictObject({
  targets: z
    .array(targetSchema)
    .min(1, "expected at least one target")
    .superRefine((targets, ctx) => {
      const seen = new Set<string>();
      targets.forEach((target, index) => {
        if (seen.has(target.name))
          ctx.addIssue({ code: "custom", path: [index, "name"], message: "duplicate target name" });
        seen.add(target.name);
      });
    }),
  /** Where the runbook links in messages point: the README as the operators read it (a URL makes them clickable). */
  runbookUrl: z
    .string()
    .min(1, "expected a URL or a path to the README")
    .max(500, "expected at most 500 characters")
    .default("README.md"),
  /** Delivery attempts per message, with exponential backoff and jitter between them. */
  attempts: positiveInt.default(8),
  backoff: z
    .strictObject({ base: durationFrom(1).default(2_000), max: durationFrom(1).default(300_000) })
    .default({ base: 2_000, max: 300_000 }),
  /** Handing a message to Redis never holds up a rotation longer than this; past it, the message is dropped and logged. */
  enqueueTimeout: durationFrom(1, 60_000, "1m").default(2_000),
  /** A schedule slot with no sweep after this is reported missed. Below an hour: completed sweeps are kept an hour. */
  sweepMissedAfter: durationFrom(1_000, 3_000_000, "50m").default(300_000),
});

export type NotifyConfig = z.output<typeof notifySchema>;
export type NotifyTarget = NotifyConfig["targets"][number];

const CREDENTIAL_FIELDS = new Set(["urlEnv", "secretEnv"]);

/**
 * Under `notify`, a value in the wrong place may be a pasted robot URL or signing secret (credentials): config
 * errors never echo what sits in urlEnv / secretEnv, nor anything that looks like a URL.
 */
export function notifyValueHidden(path: readonly PropertyKey[], value: unknown): boolean {
  if (path[0] !== "notify") return false;
  if (path.some((part) => typeof part === "string" && CREDENTIAL_FIELDS.has(part))) return true;
  return (JSON.stringify(value) ?? "").includes("://");
}
