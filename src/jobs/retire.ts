// The retire job for one old key, in two delayed phases.
// - deactivate (after retire.deactivateAfter): if GetSecurityLastUsed shows use since the key stopped being
//   current, someone still holds it: hold, alert, and look again after rotation.parkRecheck. Otherwise set it
//   Inactive and schedule the delete phase.
// - delete (after retire.deleteAfter): delete it, but only if it is still Inactive and still not current (P2, P3).
import type { Logger } from "pino";
import type { CamApi } from "../cam/types.js";
import type { AccountConfig, Config } from "../config/schema.js";
import type { Vault } from "../vault/port.js";
import type { EngineObserver } from "./engine.js";
import type { EventLog } from "./events.js";
import { deactivateKey, lastUseOf, removeKey, usedSince } from "./key-removal.js";
import type { RetireJobData } from "./queue.js";
import type { RetirementScheduler } from "./rotate/context.js";

export interface RetireDeps {
  cam: CamApi;
  vault: Vault;
  events: EventLog;
  retirements: RetirementScheduler;
  account: AccountConfig;
  rotation: Config["rotation"];
  log: Logger;
  observer?: EngineObserver;
}

export type RetireResult =
  | { kind: "deactivated" | "deleted" | "gone" }
  | { kind: "kept"; reason: string }
  /** Used since retirement: look again after `recheckMs`. */
  | { kind: "held"; recheckMs: number; lastUsedAt: number | null };

export async function retireKey(deps: RetireDeps, data: RetireJobData): Promise<RetireResult> {
  const { account, uin, accessKeyId, phase } = data;
  const note = (type: string, detail?: string) => deps.events.append({ account, uin, step: `retire-${phase}`, type,
    keyId: accessKeyId, ...(detail === undefined ? {} : { detail }) });
  const key = (await deps.cam.listAccessKeys(uin)).find((candidate) => candidate.accessKeyId === accessKeyId);
  if (!key) {
    await note("retire-skipped", "the key no longer exists");
    return { kind: "gone" };
  }
  const described = await deps.vault.describe({ account, uin });
  if (described.current?.accessKeyId === accessKeyId || described.pending?.accessKeyId === accessKeyId) {
    await note("retire-refused", "the vault holds this key as current or pending");
    return { kind: "kept", reason: "the key is current in the vault" };
  }

  if (phase === "deactivate") {
    if (key.status === "Active") {
      const lastUse = await lastUseOf(deps.cam, accessKeyId);
      if (usedSince(lastUse, data.retiredAt)) {
        const lastUsedAt = lastUse?.lastSecretUsedDate ?? null;
        deps.log.warn({ account, uin, keyId: accessKeyId, lastUsedAt }, "retired key still in use; holding its deactivation");
        await note("retire-held", `used after it stopped being current${lastUsedAt ? ` (last at ${new Date(lastUsedAt).toISOString()})` : ""}`);
        deps.observer?.retirementHeld?.({ account, uin, accessKeyId, lastUsedAt });
        return { kind: "held", recheckMs: deps.rotation.parkRecheck, lastUsedAt };
      }
      await deactivateKey(deps.cam, uin, accessKeyId);
      await note("key-deactivated");
    }
    await deps.retirements.schedule({ ...data, phase: "delete" }, deps.account.retire.deleteAfter);
    return { kind: "deactivated" };
  }

  if (key.status !== "Inactive") {
    await note("retire-refused", "the key is Active again; someone re-enabled it");
    return { kind: "kept", reason: "the key was re-activated" };
  }
  await removeKey(deps.cam, uin, key);
  deps.log.info({ account, uin, keyId: accessKeyId }, "retired key deleted");
  await note("key-deleted");
  return { kind: "deleted" };
}
