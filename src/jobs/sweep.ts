// The sweep for one account: which users are due (current key older than maxKeyAgeDays, or no key in the
// vault yet), enqueueing a rotate job for each. Users are the configured UINs, or with `users: all` every user
// ListUsers returns (CAM's sub-users) except the identity the rotator itself signs with and the owner (root):
// rotating the key the daemon runs on, or the root key, must be asked for by listing its UIN.
//
// Planning reads the vault's metadata listing, a page of 100 secrets per call, never a secret value. Only a user
// whose secret predates the planning metadata is planned from its value, one by one (readCurrent). A transient
// vault error on a page or a user is retried with backoff; whatever still fails is reported by name in the plan
// (not due, `failure` set) and the rest of the plan proceeds.
import { setTimeout as sleep } from "node:timers/promises";
import type { CamApi } from "../cam/types.js";
import type { AccountConfig } from "../config/schema.js";
import { isVaultError, type Vault, type VaultMetadataEntry } from "../vault/port.js";
import { currentKeyAge, dueDecision, keyAgeSince, type KeyAge } from "./due.js";
import type { SweepPlanEntry, SweepPlanOptions } from "./sweep-plan.js";

export interface SweepDeps {
  cam: CamApi;
  vault: Vault;
  account: AccountConfig;
  clock: () => number;
  /** Whether a rotate job for the user exists and is not finished. */
  rotationQueued(uin: number): Promise<boolean>;
  /** The same for many users in a few round trips; planning uses it when present. */
  queuedAmong?(uins: readonly number[]): Promise<Set<number>>;
  /** Tries per vault call on a transient error, and the first backoff (doubling). Default 4 tries from 500 ms. */
  retry?: { attempts: number; firstDelayMs: number };
}

export async function usersToSweep(cam: CamApi, account: AccountConfig): Promise<number[]> {
  if (account.users !== "all") return [...account.users];
  const [users, self] = await Promise.all([cam.listUsers(), cam.getUserAppId()]);
  const excluded = new Set([self.uin, self.ownerUin]);
  return users.map((user) => user.uin).filter((uin) => !excluded.has(String(uin)));
}

export async function planSweep(deps: SweepDeps, options: SweepPlanOptions = {}): Promise<SweepPlanEntry[]> {
  const uins = await usersToSweep(deps.cam, deps.account);
  const { listed, listingFailure } = await listAccount(deps, new Set(uins), options.onProgress, uins.length);
  const now = deps.clock();
  const decided = new Map<number, KeyAge | { failure: string }>();
  for (const uin of uins) {
    const entry = listed.get(uin);
    if (entry === undefined && listingFailure !== undefined)
      decided.set(uin, { failure: `not planned: the vault listing stopped early (${listingFailure})` });
    else if (entry === undefined || !entry.hasCurrent) decided.set(uin, { currentKeyId: null, ageDays: null });
    else if (entry.planning) decided.set(uin, keyAgeSince(entry.planning.currentKeyId, entry.planning.rotatedAt, now));
  }
  // Secrets written before the planning metadata existed: today's per-user path, for those users only.
  const unindexed = uins.filter((uin) => !decided.has(uin));
  for (const uin of unindexed) {
    decided.set(
      uin,
      options.readValues === false
        ? { currentKeyId: null, ageDays: null }
        : await withRetry(deps, () => currentKeyAge(deps.vault, { account: deps.account.name, uin }, now)).catch(
            (error: unknown) => ({ failure: `not planned: ${(error as Error).message}` })
          )
    );
    options.onProgress?.(decided.size, uins.length);
  }
  const due = uins.filter((uin) => {
    const age = decided.get(uin)!;
    return !("failure" in age) && dueDecision(age, deps.account.maxKeyAgeDays).due;
  });
  const queued = options.markQueued ? await queuedAmong(deps, due) : new Set<number>();
  options.onProgress?.(uins.length, uins.length);
  return uins.map((uin) => {
    const age = decided.get(uin)!;
    if ("failure" in age)
      return {
        uin,
        due: false,
        reason: age.failure,
        failure: age.failure,
        currentKeyId: null,
        currentKeyAgeDays: null,
      };
    const decision = dueDecision(age, deps.account.maxKeyAgeDays);
    return {
      uin,
      due: decision.due,
      reason: queued.has(uin) ? `${decision.reason}; rotation already queued` : decision.reason,
      currentKeyId: age.currentKeyId,
      currentKeyAgeDays: age.ageDays === null ? null : Math.floor(age.ageDays),
    };
  });
}

/** Every page of the account's metadata, keeping the wanted users; a page that still fails ends the listing. */
async function listAccount(
  deps: SweepDeps,
  wanted: ReadonlySet<number>,
  onProgress: SweepPlanOptions["onProgress"],
  total: number
): Promise<{ listed: Map<number, VaultMetadataEntry>; listingFailure?: string }> {
  const listed = new Map<number, VaultMetadataEntry>();
  let token: string | undefined;
  do {
    let page;
    try {
      const pageToken = token;
      page = await withRetry(deps, () => deps.vault.listMetadata(deps.account.name, pageToken));
    } catch (error) {
      return { listed, listingFailure: (error as Error).message };
    }
    for (const entry of page.entries) if (wanted.has(entry.uin)) listed.set(entry.uin, entry);
    token = page.nextToken;
    onProgress?.(Math.min(listed.size, total - 1), total);
  } while (token !== undefined);
  return { listed };
}

async function queuedAmong(deps: SweepDeps, uins: readonly number[]): Promise<Set<number>> {
  if (deps.queuedAmong) return deps.queuedAmong(uins);
  const queued = new Set<number>();
  for (const uin of uins) if (await deps.rotationQueued(uin)) queued.add(uin);
  return queued;
}

/** `call`, tried again after a transient vault error with doubling backoff; other errors fail at once. */
async function withRetry<T>(deps: SweepDeps, call: () => Promise<T>): Promise<T> {
  const { attempts, firstDelayMs } = deps.retry ?? { attempts: 4, firstDelayMs: 500 };
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isVaultError(error) || error.kind !== "transient") throw error;
      await sleep(firstDelayMs * 2 ** (attempt - 1));
    }
  }
}
