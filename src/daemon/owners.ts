// Whose CAM quota an account's calls spend. CAM counts its rate limits per Tencent account (the owner UIN), not
// per entry of our config: two entries for one owner, or two deployments under different Redis prefixes, would
// each get a full quota and together exceed it. So the limiter is keyed by the owner UIN, learned once per
// process from GetUserAppId signed with the account's own credentials, and a config with two entries for one
// owner is refused at start-up.
import { isCamError } from "../cam/errors.js";
import type { AccountConfig } from "../config/schema.js";
import { ConfigError } from "../config/errors.js";

/** Tries per account at start-up: a transient CAM error gets a second chance before the daemon gives up. */
const LEARN_TRIES = 3;
const LEARN_RETRY_MS = 500;

export interface OwnerDirectory {
  /** The account's limiter identity, "owner-<uin>"; learned on first use, then cached. */
  limiterId(account: string): Promise<string>;
  /**
   * Learns every account's owner; throws a ConfigError naming each account whose owner cannot be learned, and
   * both entries of any pair that share an owner.
   */
  learnAll(accounts: readonly AccountConfig[]): Promise<void>;
}

/** `ownerOf` asks CAM (GetUserAppId, through a gate keyed by the account name: the owner is not known yet). */
export function createOwnerDirectory(
  ownerOf: (account: string) => Promise<string>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
): OwnerDirectory {
  const learned = new Map<string, Promise<string>>();

  async function ask(account: string): Promise<string> {
    const owner = await ownerOf(account);
    if (!/^[1-9][0-9]{0,19}$/.test(owner))
      throw new Error(`GetUserAppId answered OwnerUin ${JSON.stringify(owner.slice(0, 40))}, not a UIN`);
    return owner;
  }

  function ownerUin(account: string): Promise<string> {
    let pending = learned.get(account);
    if (!pending) {
      pending = ask(account);
      learned.set(account, pending);
      // A failure is not cached: the next call asks again.
      pending.catch(() => learned.delete(account));
    }
    return pending;
  }

  async function ownerWithRetries(account: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await ownerUin(account);
      } catch (error) {
        if (attempt >= LEARN_TRIES || (isCamError(error) && !error.retryable)) throw error;
        await sleep(LEARN_RETRY_MS);
      }
    }
  }

  return {
    limiterId: async (account) => `owner-${await ownerUin(account)}`,

    async learnAll(accounts) {
      const results = await Promise.allSettled(accounts.map((account) => ownerWithRetries(account.name)));
      const problems: string[] = [];
      const firstWithOwner = new Map<string, number>();
      results.forEach((result, index) => {
        const entry = `accounts[${index}] (${JSON.stringify(accounts[index]!.name)})`;
        if (result.status === "rejected") {
          const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
          problems.push(
            `${entry}: cannot learn its owner UIN (GetUserAppId with its own credentials), which keys its rate limits: ${reason}`
          );
          return;
        }
        const first = firstWithOwner.get(result.value);
        if (first === undefined) {
          firstWithOwner.set(result.value, index);
          return;
        }
        problems.push(
          `${entry}: same Tencent account (owner UIN ${result.value}) as accounts[${first}] ` +
            `(${JSON.stringify(accounts[first]!.name)}); CAM's rate limits are per owner, so give each owner one entry`
        );
      });
      if (problems.length > 0) throw new ConfigError("accounts", problems);
    },
  };
}
