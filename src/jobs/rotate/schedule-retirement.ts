// Step 8, schedule retirement: a delayed retire job for the key that was current before, then the attempt is
// closed. On a first rotation the keys the user held before are recorded as pre-existing, and retired per the
// account's preexistingKeys policy (preexisting.ts).
import type { LastRotation } from "../progress.js";
import { emit, type RotationDeps, type RotationRun } from "./context.js";
import { recordPreexistingKeys, scheduleRetirementOf } from "./preexisting.js";
import type { Promotion } from "./promote.js";

export async function scheduleRetirement(
  deps: RotationDeps,
  run: RotationRun,
  newKeyId: string,
  promotion: Promotion
): Promise<LastRotation> {
  const { oldKeyId, promotedAt } = promotion;
  if (oldKeyId && oldKeyId !== newKeyId) await scheduleRetirementOf(deps, run, oldKeyId, promotedAt);
  else if (!oldKeyId) await recordPreexistingKeys(deps, run, newKeyId, promotedAt);
  const last: LastRotation = { runId: run.runId, newKeyId, previousKeyId: oldKeyId, rotatedAt: promotedAt };
  await deps.progress.finish(run.account, run.uin, last);
  await emit(deps, run, { step: "scheduleRetirement", type: "rotation-completed", keyId: newKeyId });
  return last;
}
