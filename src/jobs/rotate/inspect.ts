// Step 1, inspect: what CAM, the vault and the progress record say about this user. Starts an attempt when none
// is in progress, and says when there is nothing to do.
import { randomUUID } from "node:crypto";
import { currentKeyAge, dueDecision, keyAgeOf } from "../due.js";
import type { LastRotation } from "../progress.js";
import { noteTakeover } from "./preexisting.js";
import { emit, type RotationDeps, type RotationRun, type Snapshot } from "./context.js";

export type Inspection =
  | { kind: "ready"; snapshot: Snapshot }
  /** This very job already finished the rotation (a crash hit between the last step and BullMQ's completion). */
  | { kind: "alreadyDone"; last: LastRotation }
  | { kind: "notDue"; reason: string };

export async function inspect(deps: RotationDeps, run: RotationRun): Promise<Inspection> {
  const [keys, vault, progress] = await Promise.all([
    deps.cam.listAccessKeys(run.uin),
    deps.vault.describe(run.ref, { currentTimes: true }),
    deps.progress.load(run.account, run.uin),
  ]);
  // Guard: a run that already finished, or an attempt already under way (resume it whatever the key's age).
  if (progress.last?.runId === run.runId && !progress.attempt) return { kind: "alreadyDone", last: progress.last };
  if (progress.attempt) return { kind: "ready", snapshot: { keys, vault, progress } };

  if (!run.force) {
    // The age from the times the description read along (no second read), where the vault returns them.
    const age =
      vault.current && vault.currentTimes
        ? keyAgeOf(vault.current.accessKeyId, vault.currentTimes, deps.clock())
        : await currentKeyAge(deps.vault, run.ref, deps.clock());
    const decision = dueDecision(age, deps.account.maxKeyAgeDays);
    if (!decision.due) return { kind: "notDue", reason: decision.reason };
  }
  await noteTakeover(deps, run, keys, vault, progress);
  const attempt = { attemptId: randomUUID(), attemptStart: deps.clock(), vaultIdentity: deps.vault.identity(run.ref) };
  await deps.progress.beginAttempt(run.account, run.uin, attempt);
  await emit(deps, run, { step: "inspect", type: "rotation-started", detail: `attempt ${attempt.attemptId}` });
  return { kind: "ready", snapshot: { keys, vault, progress: { ...progress, attempt } } };
}
