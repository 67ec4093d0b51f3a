// The retire job for one old key, in two delayed phases. Both read GetSecurityLastUsed under the lag rule of
// last-use-lag.ts: a phase whose evidence CAM cannot have reported yet waits for it ("waiting").
// - deactivate (after retire.deactivateAfter, and not before the report reaches the moment the key stopped being
//   current): if it shows use since then, someone still holds the key: hold, alert, and look again after
//   rotation.parkRecheck. Otherwise set it Inactive and schedule the delete phase.
// - delete (after retire.deleteAfter, and not before the report reaches the deactivation): delete it, but only if
//   it is still Inactive, still not current, and the report shows no use since it stopped being current (P2, P3).
import type { Logger } from "pino";
import type { CamApi } from "../cam/types.js";
import type { AccountConfig, Config } from "../config/schema.js";
import type { Vault } from "../vault/port.js";
import type { EngineObserver } from "./engine/face.js";
import type { EventLog } from "./events.js";
import { deactivateKey, lastUseOf, removeKey, usedSince } from "./key-removal.js";
import { untilReported } from "./last-use-lag.js";
import type { RetireJobData } from "./queue.js";
import type { RetirementScheduler } from "./rotate/context.js";

export interface RetireDeps {
  cam: CamApi;
  vault: Vault;
  events: EventLog;
  retirements: RetirementScheduler;
  account: AccountConfig;
  rotation: Config["rotation"];
  clock: () => number;
  log: Logger;
  observer?: EngineObserver;
}

export type RetireResult =
  | { kind: "deactivated" | "deleted" | "gone" }
  | { kind: "kept"; reason: string }
  /** Used since retirement: look again after `recheckMs`. */
  | { kind: "held"; recheckMs: number; lastUsedAt: number | null }
  /** CAM cannot have reported the use this phase must rule out yet: run again after `recheckMs`. */
  | { kind: "waiting"; recheckMs: number };

export async function retireKey(deps: RetireDeps, data: RetireJobData): Promise<RetireResult> {
  const { account, uin, accessKeyId, phase } = data;
  const note = (type: string, detail?: string) =>
    deps.events.append({
      account,
      uin,
      step: `retire-${phase}`,
      type,
      keyId: accessKeyId,
      ...(detail === undefined ? {} : { detail }),
    });
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

  const lag = deps.account.retire.lastUsedLag;
  const waitFor = async (until: number, what: string): Promise<RetireResult | null> => {
    const recheckMs = untilReported(deps.clock(), lag, until);
    if (recheckMs === 0) return null;
    await note(
      "retire-waiting",
      `GetSecurityLastUsed shows uses ${lag} ms late; waiting ${recheckMs} ms to see ${what}`
    );
    return { kind: "waiting", recheckMs };
  };
  /** A use since the key stopped being current, as far as CAM reports: someone still holds it. */
  const holdIfUsed = async (): Promise<RetireResult | null> => {
    const lastUse = await lastUseOf(deps.cam, accessKeyId);
    if (!usedSince(lastUse, data.retiredAt)) return null;
    const lastUsedAt = lastUse?.lastUsedAt ?? null;
    deps.log.warn(
      { account, uin, keyId: accessKeyId, lastUsedAt, phase },
      `retired key still in use; holding its ${phase === "deactivate" ? "deactivation" : "deletion"}`
    );
    await note(
      "retire-held",
      `used after it stopped being current${lastUsedAt ? ` (last at ${new Date(lastUsedAt).toISOString()})` : ""}`
    );
    deps.observer?.retirementHeld?.({ account, uin, accessKeyId, lastUsedAt });
    return { kind: "held", recheckMs: deps.rotation.parkRecheck, lastUsedAt };
  };

  if (phase === "deactivate") {
    if (key.status === "Active") {
      const pause =
        (await waitFor(data.retiredAt, "every use since the key stopped being current")) ?? (await holdIfUsed());
      if (pause) return pause;
      if ((await deactivateKey(deps.cam, uin, accessKeyId)) === "gone") {
        await note("retire-skipped", "the key no longer exists");
        return { kind: "gone" };
      }
      await note("key-deactivated");
    }
    // Already Inactive: deactivated by someone at an unknown time, so the report must reach from now on.
    await deps.retirements.schedule(
      { ...data, phase: "delete", deactivatedAt: deps.clock() },
      deps.account.retire.deleteAfter
    );
    return { kind: "deactivated" };
  }

  if (key.status !== "Inactive") {
    await note("retire-refused", "the key is Active again; someone re-enabled it");
    return { kind: "kept", reason: "the key was re-activated" };
  }
  const pause =
    (await waitFor(data.deactivatedAt ?? deps.clock(), "every use up to the deactivation")) ?? (await holdIfUsed());
  if (pause) return pause;
  await removeKey(deps.cam, uin, key);
  deps.log.info({ account, uin, keyId: accessKeyId }, "retired key deleted");
  await note("key-deleted");
  return { kind: "deleted" };
}
