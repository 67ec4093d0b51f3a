// What `notify test` does: one test message per target, sent at once (no queue, no retries), with each answer.
import type { NotifyConfig } from "./config.js";
import { targetCredentials } from "./credentials.js";
import { eventBuilders } from "./events.js";
import { formatOf } from "./formats/index.js";
import { sendOnce } from "./send.js";

export interface TestResult {
  target: string;
  type: string;
  ok: boolean;
  detail: string;
}

/** Credentials missing from the environment throw a ConfigError (exit 2) before anything is sent. */
export async function sendTestMessages(
  notify: NotifyConfig,
  only?: string,
  env: NodeJS.ProcessEnv = process.env
): Promise<TestResult[]> {
  const chosen = notify.targets
    .map((target, index) => ({ target, index }))
    .filter(({ target }) => only === undefined || target.name === only);
  const credentials = chosen.map(({ target, index }) => targetCredentials(target, index, env));
  const events = eventBuilders(notify.runbookUrl);
  return Promise.all(
    chosen.map(async ({ target }, position) => {
      const answer = await sendOnce(formatOf(target), events.test(target.name), credentials[position]!, target.timeout);
      return {
        target: target.name,
        type: target.type,
        ok: answer.kind === "delivered",
        detail: `${answer.kind}: ${answer.detail}`,
      };
    })
  );
}
