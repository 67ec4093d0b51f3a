// Step 7, promote: AWSCURRENT moves to the new version; the vault moves AWSPREVIOUS to the old one by itself.
// The old key's id and the promotion time are recorded first, so a crash right after still knows which key to
// retire and since when.
import { retryNow } from "../retry-now.js";
import { emit, type InFlightKey, type RotationDeps, type RotationRun, type Snapshot } from "./context.js";

export interface Promotion {
  oldKeyId: string | null;
  promotedAt: number;
}

export async function promote(
  deps: RotationDeps,
  run: RotationRun,
  snapshot: Snapshot,
  key: InFlightKey
): Promise<Promotion> {
  const attempt = snapshot.progress.attempt;
  const versionId = key.versionId!;
  // The vault as this run saw it (inspect, reconcile), with this key staged since: no one else writes this user's
  // secret while the run holds its lock, and the vault refuses label moves made on a stale view (vault port).
  const seen = { ...snapshot.vault, pending: { versionId, accessKeyId: key.accessKeyId } };
  if (seen.current?.accessKeyId === key.accessKeyId) {
    // Guard: already promoted (by a run that died before recording it). Promoting again only finishes the
    // second label move: a pending label left on the current version would be taken for work in progress.
    const promotedAt = attempt?.promotedAt ?? deps.clock();
    await retryNow(
      () =>
        deps.vault.promote(run.ref, seen.current!.versionId, { accessKeyId: key.accessKeyId, rotatedAt: promotedAt }),
      deps.sleep
    );
    return { oldKeyId: attempt?.oldKeyId ?? seen.previous?.accessKeyId ?? null, promotedAt };
  }
  const oldKeyId = seen.current?.accessKeyId ?? null;
  // Recorded before the promotion: a run resumed after a crash here must not take its own, later clock as the
  // moment the old key stopped being current, or retirement would miss uses in between. Earlier is the safe side.
  const promotedAt = deps.clock();
  await deps.progress.update(run.account, run.uin, { promotedAt, ...(oldKeyId ? { oldKeyId } : {}) });
  await retryNow(
    () => deps.vault.promote(run.ref, versionId, { seen, accessKeyId: key.accessKeyId, rotatedAt: promotedAt }),
    deps.sleep
  );
  deps.log.info({ account: run.account, uin: run.uin, keyId: key.accessKeyId, oldKeyId }, "new key is current");
  await emit(deps, run, {
    step: "promote",
    type: "key-promoted",
    keyId: key.accessKeyId,
    detail: oldKeyId ? `replaces ${oldKeyId}` : "first key in the vault",
  });
  return { oldKeyId, promotedAt };
}
