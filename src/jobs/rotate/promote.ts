// Step 7, promote: AWSCURRENT moves to the new version; the vault moves AWSPREVIOUS to the old one by itself.
// The old key's id is recorded first, so a crash right after still knows which key to retire.
import { retryNow } from "../retry-now.js";
import { emit, type InFlightKey, type RotationDeps, type RotationRun, type Snapshot } from "./context.js";

export interface Promotion {
  oldKeyId: string | null;
  promotedAt: number;
}

export async function promote(deps: RotationDeps, run: RotationRun, snapshot: Snapshot, key: InFlightKey): Promise<Promotion> {
  const attempt = snapshot.progress.attempt;
  const described = await deps.vault.describe(run.ref);
  if (described.current?.accessKeyId === key.accessKeyId) {
    // Guard: already promoted (by a run that died before recording it).
    return { oldKeyId: attempt?.oldKeyId ?? described.previous?.accessKeyId ?? null,
      promotedAt: attempt?.promotedAt ?? deps.clock() };
  }
  const oldKeyId = described.current?.accessKeyId ?? null;
  if (oldKeyId) await deps.progress.update(run.account, run.uin, { oldKeyId });
  await retryNow(() => deps.vault.promote(run.ref, key.versionId!), deps.sleep);
  const promotedAt = deps.clock();
  await deps.progress.update(run.account, run.uin, { promotedAt });
  deps.log.info({ account: run.account, uin: run.uin, keyId: key.accessKeyId, oldKeyId }, "new key is current");
  await emit(deps, run, { step: "promote", type: "key-promoted", keyId: key.accessKeyId,
    detail: oldKeyId ? `replaces ${oldKeyId}` : "first key in the vault" });
  return { oldKeyId, promotedAt };
}
