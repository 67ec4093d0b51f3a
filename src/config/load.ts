// Reads a YAML or JSON config file, applies environment overrides, and validates it. Every problem names its
// path and the offending value, e.g. `accounts[1].maxKeyAgeDays: expected a positive integer, got "ninety"`.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import type { CamCredentials } from "../cam/types.js";
import { ConfigError } from "./errors.js";
import { notifyValueHidden } from "../notify/config.js";
import { displayRedisUrl } from "./redis-url.js";
import { configSchema, type AccountConfig, type Config } from "./schema.js";

export const CONFIG_ENV = "CAM_ROTATOR_CONFIG";

/** The config file path from the flag or CAM_ROTATOR_CONFIG. */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const path = flag ?? env[CONFIG_ENV];
  if (!path) throw new ConfigError("arguments", [`no config file: pass --config FILE or set ${CONFIG_ENV}`]);
  return path;
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(path, [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(path, [`not valid YAML or JSON: ${(error as Error).message.split("\n")[0]}`]);
  }
  return parseConfig(raw, path, env);
}

export function parseConfig(raw: unknown, source: string, env: NodeJS.ProcessEnv = process.env): Config {
  const withOverrides = applyEnvOverrides(raw, env);
  const result = configSchema.safeParse(withOverrides);
  if (!result.success)
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => describeIssue(issue, withOverrides))
    );
  return result.data;
}

/** REDIS_URL wins over the file, so one config can serve several environments. */
function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  if (!env.REDIS_URL || typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const record = raw as Record<string, unknown>;
  const redis = typeof record.redis === "object" && record.redis !== null ? record.redis : {};
  return { ...record, redis: { ...redis, url: env.REDIS_URL } };
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    return `${path || "(top level)"}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
  }
  const value = valueAt(input, issue.path);
  const got = value === undefined ? "nothing" : shown(issue.path, value);
  return `${path || "(top level)"}: ${issue.message}, got ${got}`;
}

/**
 * A wrong value under `credentials` (or a notify target's URL or secret) may be a pasted secret: name the path,
 * never echo it. A Redis URL may carry
 * a password: echo it masked, or not at all when it does not parse.
 */
function shown(path: readonly PropertyKey[], value: unknown): string {
  if (path.includes("credentials") || notifyValueHidden(path, value)) return "a value that is not shown";
  if (path[0] === "redis" && path[1] === "url" && typeof value === "string") {
    const masked = displayRedisUrl(value);
    return masked === "(unparseable redis url)" ? "a value that is not shown" : JSON.stringify(masked);
  }
  return JSON.stringify(value)?.slice(0, 80) ?? String(value);
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) => (typeof part === "number" ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)),
    ""
  );
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const part of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

/** Reads an account's CAM credentials from the environment variables its config names. */
export function resolveCredentials(
  account: AccountConfig,
  index: number,
  env: NodeJS.ProcessEnv = process.env
): CamCredentials {
  const missing = (["secretIdEnv", "secretKeyEnv"] as const)
    .filter((field) => !env[account.credentials[field]])
    .map(
      (field) =>
        `accounts[${index}].credentials.${field}: environment variable ${account.credentials[field]} is not set`
    );
  if (missing.length > 0) throw new ConfigError("environment", missing);
  return { secretId: env[account.credentials.secretIdEnv]!, secretKey: env[account.credentials.secretKeyEnv]! };
}
