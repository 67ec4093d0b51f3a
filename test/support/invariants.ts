// The rotator's end-state promises, checked from outside against the CAM simulator and the vault. Crash tests
// and the chaos suite call this after the dust settles; an empty list means every invariant holds.
// - exactly one key per user is AWSCURRENT in the vault, is Active in CAM, and authenticates (GetUserAppId
//   signed with it through the official SDK);
// - every Active key the rotator created has its secret in the vault, or is deleted (P1);
// - no key the vault holds as current was deactivated or deleted (P2);
// - no user holds more than two keys;
// - no key an operator added (when the caller names them) was deleted without the operator's approval (P3).
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_RATE_LIMITS, type CamAction } from "../../src/cam/actions.js";
import { createCamClient } from "../../src/cam/client.js";
import { isCamError } from "../../src/cam/errors.js";
import { AUTHORIZATION_REFUSED } from "../../src/cam/key-proof.js";
import type { CallGate } from "../../src/cam/limiter/gate.js";
import type { KeyStatus } from "../../src/cam/types.js";
import type { Vault, VaultDescription } from "../../src/vault/port.js";

export interface InvariantAccount {
  /** The account's name in the rotator's config (vault refs use it). */
  account: string;
  ownerUin: number;
  uins: number[];
}

export interface InvariantInput {
  simulatorUrl: string;
  vault: Vault;
  accounts: InvariantAccount[];
  /**
   * Ids of the keys the rotator created. When absent every key of the checked users is held to the rule that
   * an Active key must be in the vault (right for runs without foreign keys).
   */
  createdKeyIds?: Set<string>;
  /**
   * Keys another actor (an operator) added to the checked users, and those of them the operator approved for
   * removal. An operator key is exempt from the orphan rule; gone from CAM without approval is a violation.
   */
  operatorKeys?: { ids: ReadonlySet<string>; approved: ReadonlySet<string> };
}

interface SimKey {
  accessKeyId: string;
  status: KeyStatus;
}

interface SimStateView {
  accounts: Array<{ ownerUin: number; users: Array<{ uin: number; keys: SimKey[] }> }>;
}

export async function checkInvariants(input: InvariantInput): Promise<string[]> {
  const state = await fetchState(input.simulatorUrl);
  const gate = spacingGate();
  const violations: string[] = [];
  const present = new Set<string>();
  for (const account of input.accounts) {
    const users = state.accounts.find((candidate) => candidate.ownerUin === account.ownerUin)?.users ?? [];
    for (const uin of account.uins) {
      const keys = users.find((user) => user.uin === uin)?.keys;
      for (const key of keys ?? []) present.add(key.accessKeyId);
      const where = `${account.account}/${uin}`;
      if (!keys) {
        violations.push(`${where}: no such user in the simulator`);
        continue;
      }
      violations.push(
        ...(await checkUser(input, gate, account.account, uin, keys)).map((problem) => `${where}: ${problem}`)
      );
    }
  }
  for (const id of input.operatorKeys?.ids ?? []) {
    if (!present.has(id) && !input.operatorKeys!.approved.has(id))
      violations.push(`operator key ${id} was deleted without approval`);
  }
  return violations;
}

async function checkUser(
  input: InvariantInput,
  gate: CallGate,
  account: string,
  uin: number,
  keys: SimKey[]
): Promise<string[]> {
  const problems: string[] = [];
  if (keys.length > 2)
    problems.push(`holds ${keys.length} keys (${keys.map((key) => key.accessKeyId).join(", ")}), more than two`);

  let description: VaultDescription;
  let current: Awaited<ReturnType<Vault["readCurrent"]>>;
  try {
    [description, current] = await Promise.all([
      input.vault.describe({ account, uin }),
      input.vault.readCurrent({ account, uin }),
    ]);
  } catch (error) {
    return [...problems, `vault unreadable: ${(error as Error).message}`];
  }
  if (!current) return [...problems, "no AWSCURRENT key in the vault"];

  const currentId = current.value.SecretId;
  const inCam = keys.find((key) => key.accessKeyId === currentId);
  if (!inCam) problems.push(`the vault's current key ${currentId} was deleted from CAM`);
  else if (inCam.status !== "Active") problems.push(`the vault's current key ${currentId} is ${inCam.status}`);
  else {
    const auth = await authenticates(input.simulatorUrl, gate, account, uin, currentId, current.value.SecretKey);
    if (auth) problems.push(`the vault's current key ${currentId} does not authenticate: ${auth}`);
  }

  const held = new Set(
    [description.current, description.pending, description.previous]
      .filter((version) => version !== undefined)
      .map((version) => version.accessKeyId)
  );
  for (const key of keys) {
    const ours =
      (input.createdKeyIds ? input.createdKeyIds.has(key.accessKeyId) : true) &&
      !input.operatorKeys?.ids.has(key.accessKeyId);
    if (ours && key.status === "Active" && !held.has(key.accessKeyId)) {
      problems.push(`Active key ${key.accessKeyId} is not in the vault (an orphan whose secret is lost)`);
    }
  }
  return problems;
}

/**
 * Undefined when STS GetCallerIdentity signed with the key answers for `uin`, or refuses it for lack of
 * permission (the signature was accepted: key-proof.ts); otherwise what went wrong.
 */
async function authenticates(
  url: string,
  gate: CallGate,
  account: string,
  uin: number,
  secretId: string,
  secretKey: string
): Promise<string | undefined> {
  const client = createCamClient(
    { name: account, endpoint: url, credentials: { secretId, secretKey }, requestTimeoutSec: 5 },
    { gate }
  );
  try {
    const identity = await client.callerIdentity();
    return identity.userId === String(uin) ? undefined : `it signs as uin ${identity.userId}`;
  } catch (error) {
    if (isCamError(error) && AUTHORIZATION_REFUSED.includes(error.code)) return undefined;
    return (error as Error).message;
  }
}

/** Keeps the check's own calls under the simulator's limits without needing Redis. */
function spacingGate(): CallGate {
  const next = new Map<string, number>();
  return {
    async admit(account: string, action: CamAction) {
      const key = `${account}/${action}`;
      const now = Date.now();
      const slot = Math.max(now, next.get(key) ?? 0);
      next.set(key, slot + Math.ceil(1000 / DEFAULT_RATE_LIMITS[action]) + 5);
      if (slot > now) await sleep(slot - now);
    },
    async penalize() {
      await sleep(1_000);
    },
  };
}

async function fetchState(url: string): Promise<SimStateView> {
  const response = await fetch(`${url}/_sim/state`);
  if (!response.ok) throw new Error(`GET ${url}/_sim/state answered HTTP ${response.status}`);
  return (await response.json()) as SimStateView;
}
