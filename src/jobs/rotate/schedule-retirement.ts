// Step 8, schedule retirement: a delayed retire job for the key that was current before, then the attempt is
// closed. Keys the vault never held (a first rotation's foreign key) are not ours to retire (P3).
import type { LastRotation } from "../progress.js";
import { emit, type RotationDeps, type RotationRun } from "./context.js";
import type { Promotion } from "./promote.js";

export async function scheduleRetirement(deps: RotationDeps, run: RotationRun, newKeyId: string,
  promotion: Promotion): Promise<LastRotation> {
  const { oldKeyId, promotedAt } = promotion;
  if (oldKeyId && oldKeyId !== newKeyId) {
    await deps.retirements.schedule({ account: run.account, uin: run.uin, accessKeyId: oldKeyId, phase: "deactivate",
      retiredAt: promotedAt }, deps.account.retire.deactivateAfter);
    await emit(deps, run, { step: "scheduleRetirement", type: "retirement-scheduled", keyId: oldKeyId,
      detail: `deactivate after ${deps.account.retire.deactivateAfter} ms` });
  }
  const last: LastRotation = { runId: run.runId, newKeyId, previousKeyId: oldKeyId, rotatedAt: promotedAt };
  await deps.progress.finish(run.account, run.uin, last);
  await emit(deps, run, { step: "scheduleRetirement", type: "rotation-completed", keyId: newKeyId });
  return last;
}
