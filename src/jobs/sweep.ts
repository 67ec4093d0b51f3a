// The sweep for one account: which users are due (current key older than maxKeyAgeDays, or no key in the
// vault yet), enqueueing a rotate job for each. Users are the configured UINs, or with `users: all` every user
// ListUsers returns (CAM's sub-users) except the identity the rotator itself signs with and the owner (root):
// rotating the key the daemon runs on, or the root key, must be asked for by listing its UIN.
import type { CamApi } from "../cam/types.js";
import type { AccountConfig } from "../config/schema.js";
import type { Vault } from "../vault/port.js";
import { currentKeyAge, dueDecision } from "./due.js";
import type { SweepPlanEntry } from "./engine/face.js";

export interface SweepDeps {
  cam: CamApi;
  vault: Vault;
  account: AccountConfig;
  clock: () => number;
  /** Whether a rotate job for the user exists and is not finished. */
  rotationQueued(uin: number): Promise<boolean>;
}

export async function usersToSweep(cam: CamApi, account: AccountConfig): Promise<number[]> {
  if (account.users !== "all") return [...account.users];
  const [users, self] = await Promise.all([cam.listUsers(), cam.getUserAppId()]);
  const excluded = new Set([self.uin, self.ownerUin]);
  return users.map((user) => user.uin).filter((uin) => !excluded.has(String(uin)));
}

export async function planSweep(deps: SweepDeps,
  onProgress?: (done: number, total: number) => void): Promise<SweepPlanEntry[]> {
  const plan: SweepPlanEntry[] = [];
  const uins = await usersToSweep(deps.cam, deps.account);
  for (const uin of uins) {
    const age = await currentKeyAge(deps.vault, { account: deps.account.name, uin }, deps.clock());
    const decision = dueDecision(age, deps.account.maxKeyAgeDays);
    const queued = await deps.rotationQueued(uin);
    plan.push({
      uin,
      due: decision.due,
      reason: queued ? `${decision.reason}; rotation already queued` : decision.reason,
      currentKeyId: age.currentKeyId,
      currentKeyAgeDays: age.ageDays === null ? null : Math.floor(age.ageDays),
    });
    onProgress?.(plan.length, uins.length);
  }
  return plan;
}
