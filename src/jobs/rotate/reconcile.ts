// Step 2, reconcile: make what CAM holds agree with what the vault and the progress record say, and decide
// where this run resumes.
// - A pending label on the current version: a finished rotation whose second label move failed or was cut
//   short, never work in progress. The label is removed; the run goes on as its attempt says.
// - This attempt's new key already current in the vault (it recorded the promotion): only retirement is left.
// - A pending vault version whose key is Active in CAM: resume at verify (its secret is in the vault).
// - A pending version whose key is not listed: CAM may list a new key late (listing-lag.ts), so the key itself
//   decides: resume at verify, which deletes it and discards the version if it never authenticates.
// - A pending version whose key is Inactive: stale, discard the label.
// - Our new key (its id recorded) that the vault does not hold: an orphan whose secret is lost (crash, lost
//   response). Delete it (P1). Keys the vault holds are never touched (P2).
// - While a CreateAccessKey's outcome is unknown (the create guard), a key the user did not hold before that
//   call and the vault does not hold may be ours or someone else's: flag it, never delete it unapproved (P3).
import { DAY_MS } from "../../config/index.js";
import type { AccessKey } from "../../cam/types.js";
import { removeKey } from "../key-removal.js";
import type { VaultDescription } from "../../vault/port.js";
import type { AttemptRecord } from "../progress.js";
import { checkVaultOfAttempt } from "./vault-of-attempt.js";
import { flagKey } from "./flag-key.js";
import { emit, keyIdsOf, type InFlightKey, type RotationDeps, type RotationRun, type Snapshot } from "./context.js";

export type Resume = { kind: "fresh" } | { kind: "verify"; key: InFlightKey } | { kind: "retire"; newKeyId: string };

export async function reconcile(
  deps: RotationDeps,
  run: RotationRun,
  snapshot: Snapshot
): Promise<{ snapshot: Snapshot; resume: Resume }> {
  // Guard: the vault's silence is evidence only in the vault the attempt wrote to, with its secret still there.
  snapshot = await checkVaultOfAttempt(deps, run, snapshot);
  const attempt = snapshot.progress.attempt;
  let { keys, vault } = snapshot;
  let resume: Resume = { kind: "fresh" };

  if (vault.pending && vault.pending.versionId === vault.current?.versionId)
    vault = await dropLeftoverPending(deps, run, vault);
  // promotedAt is recorded before the label moves: without it this attempt did not promote the current key, and
  // reporting it as "rotated" would repeat an earlier rotation (or claim another actor's).
  if (attempt?.newKeyId && attempt.promotedAt !== undefined && vault.current?.accessKeyId === attempt.newKeyId) {
    resume = { kind: "retire", newKeyId: attempt.newKeyId };
  } else if (vault.pending) {
    const pending = vault.pending;
    const key = keys.find((candidate) => candidate.accessKeyId === pending.accessKeyId);
    const unlisted = key ? undefined : await unlistedPendingKey(deps, run, pending);
    const resumable = key?.status === "Active" ? { accessKeyId: key.accessKeyId } : unlisted;
    if (resumable) {
      resume = { kind: "verify", key: { ...resumable, versionId: pending.versionId } };
      if (attempt?.newKeyId !== resumable.accessKeyId || attempt.versionId !== pending.versionId) {
        await deps.progress.update(run.account, run.uin, {
          newKeyId: resumable.accessKeyId,
          versionId: pending.versionId,
        });
      }
      if (unlisted)
        await emit(deps, run, {
          step: "reconcile",
          type: "pending-key-unlisted",
          keyId: pending.accessKeyId,
          detail: "CAM does not list the key (yet); verify decides whether it exists",
        });
    } else {
      await deps.vault.discardPending(run.ref, pending.versionId);
      await emit(deps, run, {
        step: "reconcile",
        type: "stale-pending-discarded",
        keyId: pending.accessKeyId,
        detail: key ? "its key is Inactive" : "its key no longer exists",
      });
      const { pending: _dropped, ...rest } = vault;
      vault = rest;
    }
  }

  // Orphans exist only after one of our CreateAccessKey calls: the key it answered with (newKeyId), or while
  // its answer is unknown (the create guard), a key that appeared around then, which is flagged instead.
  if (attempt && (attempt.newKeyId || attempt.createGuard)) {
    const held = keyIdsOf(vault);
    for (const key of keys.filter((candidate) => !held.has(candidate.accessKeyId))) {
      const attribution = attributionOf(key, attempt);
      if (attribution === "guarded") await flagKey(deps, run, "reconcile", key.accessKeyId, "unproven-create");
      if (attribution !== "recorded") continue;
      await removeKey(deps.cam, run.uin, key);
      deps.log.warn(
        { account: run.account, uin: run.uin, keyId: key.accessKeyId },
        "deleted orphan key (secret lost before it reached the vault)"
      );
      await emit(deps, run, {
        step: "reconcile",
        type: "orphan-deleted",
        keyId: key.accessKeyId,
        detail: "created by this rotation, secret never reached the vault",
      });
      keys = keys.filter((other) => other.accessKeyId !== key.accessKeyId);
    }
    // The key this run goes on with (if any) stays recorded; the guard has done its work either way.
    const kept =
      resume.kind === "verify" ? resume.key.accessKeyId : resume.kind === "retire" ? resume.newKeyId : undefined;
    if (kept) await deps.progress.recordCreated(run.account, run.uin, kept);
    else await deps.progress.forgetNewKey(run.account, run.uin);
  }
  return { snapshot: { ...snapshot, keys, vault }, resume };
}

/** The pending version's key as the vault recorded it, or undefined when the version is not readable. */
async function unlistedPendingKey(
  deps: RotationDeps,
  run: RotationRun,
  pending: { versionId: string; accessKeyId: string }
): Promise<{ accessKeyId: string } | undefined> {
  const stored = await deps.vault.readVersion(run.ref, pending.versionId);
  return stored?.SecretId === pending.accessKeyId ? { accessKeyId: pending.accessKeyId } : undefined;
}

async function dropLeftoverPending(
  deps: RotationDeps,
  run: RotationRun,
  vault: VaultDescription
): Promise<VaultDescription> {
  const leftover = vault.pending!;
  await deps.vault.discardPending(run.ref, leftover.versionId);
  deps.log.info(
    { account: run.account, uin: run.uin, keyId: leftover.accessKeyId },
    "removed a leftover pending label from the current version"
  );
  await emit(deps, run, {
    step: "reconcile",
    type: "leftover-pending-removed",
    keyId: leftover.accessKeyId,
    detail: `version ${leftover.versionId} is current; its rotation had finished`,
  });
  const { pending: _dropped, ...rest } = vault;
  return rest;
}

/** A stale guard must not claim a key someone added much later; a day absorbs CreateTime's unknown zone. */
const GUARD_WINDOW_MS = DAY_MS;

/**
 * How `key` relates to this attempt's CreateAccessKey: "recorded" when it is the key the call answered with (or
 * the one newcomer after a SUCCESS without AccessKey), provably ours; "guarded" when it appeared while the
 * call's outcome was unknown, which is not proof; null otherwise.
 */
export function attributionOf(key: AccessKey, attempt: AttemptRecord): "recorded" | "guarded" | null {
  if (key.accessKeyId === attempt.newKeyId) return "recorded";
  const guard = attempt.createGuard;
  if (!guard || guard.knownKeyIds.includes(key.accessKeyId)) return null;
  return Math.abs(key.createdAt - guard.startedAt) <= GUARD_WINDOW_MS ? "guarded" : null;
}
