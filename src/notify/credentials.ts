// Reads each target's URL and signing secret from the environment variables its config names. Problems name
// the config path and the variable, never the value: a robot URL embeds its token.
import { ConfigError } from "../config/errors.js";
import type { NotifyConfig, NotifyTarget } from "./config.js";
import type { TargetCredentials } from "./formats/request.js";

export function targetCredentials(
  target: NotifyTarget,
  index: number,
  env: NodeJS.ProcessEnv = process.env
): TargetCredentials {
  const path = `notify.targets[${index}]`;
  const problems: string[] = [];
  const url = env[target.urlEnv];
  if (!url) problems.push(`${path}.urlEnv: environment variable ${target.urlEnv} is not set`);
  else if (!isHttpUrl(url))
    problems.push(
      `${path}.urlEnv: environment variable ${target.urlEnv} does not hold an http(s) URL (value not shown)`
    );
  const secretEnv = "secretEnv" in target ? target.secretEnv : undefined;
  const secret = secretEnv ? env[secretEnv] : undefined;
  if (secretEnv && !secret) problems.push(`${path}.secretEnv: environment variable ${secretEnv} is not set`);
  if (problems.length > 0) throw new ConfigError("environment", problems);
  return { url: url!, secret };
}

/** Every target's variables must be set before a worker starts: a bad environment starts nothing. */
export function assertNotifyEnvironment(notify: NotifyConfig | undefined, env: NodeJS.ProcessEnv = process.env): void {
  const problems = (notify?.targets ?? []).flatMap((target, index) => {
    try {
      targetCredentials(target, index, env);
      return [];
    } catch (error) {
      return error instanceof ConfigError ? error.problems : [String(error)];
    }
  });
  if (problems.length > 0) throw new ConfigError("environment", problems);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
