// Keys that predate the rotator (issue 12): the keys a user held when the rotator first rotated them, which the
// vault never held. They are noted once, when the first attempt begins, before any CreateAccessKey of ours, so a
// key that appears later (an operator's, or one of unknown origin) is never among them and stays foreign (P3). At
// the first promotion those still present are recorded in the user's progress record (MAC-signed with it). Under
// `preexistingKeys: retire` each gets the retirement of the rotator's own previous key: deactivated after
// retire.deactivateAfter only if unused since the new key became current, held and alerted if used, deleted after
// deleteAfter. Under `flag` they are only recorded (for `legacy`), and make-room flags them as foreign.
import type { AccessKey } from "../../cam/types.js";
import type { VaultDescription } from "../../vault/port.js";
import type { ProgressRecord } from "../progress.js";
import { emit, type RotationDeps, type RotationRun } from "./context.js";

/** At the start of an attempt: on a first rotation, notes the keys held now (once), never a flagged key. */
export async function noteTakeover(
  deps: RotationDeps,
  run: RotationRun,
  keys: AccessKey[],
  vault: VaultDescription,
  progress: ProgressRecord
): Promise<void> {
  if (progress.heldAtTakeover || vault.current || vault.previous || vault.pending || progress.last) return;
  const held: string[] = [];
  for (const key of keys) {
    // A flagged key is an operator's question already (e.g. unproven-create: maybe a lost key of ours).
    if (!(await deps.flags.get(key.accessKeyId))) held.push(key.accessKeyId);
  }
  await deps.progress.noteTakeover(run.account, run.uin, held);
}

/** At the first promotion: records the noted keys still present and, under `retire`, schedules their retirement. */
export async function recordPreexistingKeys(
  deps: RotationDeps,
  run: RotationRun,
  newKeyId: string,
  since: number
): Promise<void> {
  const progress = await deps.progress.load(run.account, run.uin);
  const held = progress.heldAtTakeover;
  if (!held) return; // Not a first rotation (or one begun by an older version: nothing is presumed).
  let recorded = progress.preexisting;
  if (!recorded) {
    // Guard: a run resumed after a crash here records nothing twice and schedules the same jobs.
    const present = new Set((await deps.cam.listAccessKeys(run.uin)).map((key) => key.accessKeyId));
    recorded = { keyIds: held.filter((id) => id !== newKeyId && present.has(id)), since };
    if (recorded.keyIds.length === 0) return;
    await deps.progress.recordPreexisting(run.account, run.uin, recorded);
    for (const keyId of recorded.keyIds) {
      await emit(deps, run, {
        step: "scheduleRetirement",
        type: "preexisting-key-recorded",
        keyId,
        detail: `held before the rotator's first key; policy ${deps.account.preexistingKeys}`,
      });
    }
  }
  if (deps.account.preexistingKeys !== "retire") return;
  for (const keyId of recorded.keyIds) await scheduleRetirementOf(deps, run, keyId, recorded.since);
}

export function isPreexisting(progress: ProgressRecord, accessKeyId: string): boolean {
  return progress.preexisting?.keyIds.includes(accessKeyId) ?? false;
}

export async function scheduleRetirementOf(
  deps: RotationDeps,
  run: RotationRun,
  keyId: string,
  retiredAt: number
): Promise<void> {
  await deps.retirements.schedule(
    { account: run.account, uin: run.uin, accessKeyId: keyId, phase: "deactivate", retiredAt },
    deps.account.retire.deactivateAfter
  );
  await emit(deps, run, {
    step: "scheduleRetirement",
    type: "retirement-scheduled",
    keyId,
    detail: `deactivate after ${deps.account.retire.deactivateAfter} ms`,
  });
}
