// Account look-ups by name that the engine, the daemon and the CLI share: one wording for a name the config does
// not hold, and each account's rate limits (its overrides over Tencent's documented defaults).
import { DEFAULT_RATE_LIMITS, type CamAction } from "../cam/actions.js";
import type { AccountConfig, Config } from "./schema.js";

/** `account "x" is not in the configuration (configured: "a", "b")`: the caller picks the error class. */
export function unknownAccountMessage(config: Pick<Config, "accounts">, name: string): string {
  const known = config.accounts.map((account) => JSON.stringify(account.name)).join(", ");
  return `account ${JSON.stringify(name)} is not in the configuration (configured: ${known})`;
}

/** The account's config; a name that is not configured is bad input and says so (P8). */
export function accountConfig(config: Pick<Config, "accounts">, name: string): AccountConfig {
  const account = config.accounts.find((candidate) => candidate.name === name);
  if (!account) throw new Error(unknownAccountMessage(config, name));
  return account;
}

/** Calls per second for an account and action: the account's `rateLimits` entry, else Tencent's default. */
export function accountRateLimits(config: Pick<Config, "accounts">): (account: string, action: CamAction) => number {
  const overrides = new Map(config.accounts.map((account) => [account.name, account.rateLimits ?? {}]));
  return (account, action) => overrides.get(account)?.[action] ?? DEFAULT_RATE_LIMITS[action];
}
