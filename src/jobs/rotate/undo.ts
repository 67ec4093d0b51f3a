// Undoing an attempt's new key when it cannot be kept (the vault refused it, or it never authenticated): delete
// it from CAM and drop its pending version. If the delete itself fails the attempt stays recorded, so the next
// run finds the key as an orphan and deletes it then (P1).
import { RotationError } from "../failures.js";
import { removeKey } from "../key-removal.js";
import { emit, type InFlightKey, type RotationDeps, type RotationRun } from "./context.js";

export async function undoNewKey(
  deps: RotationDeps,
  run: RotationRun,
  key: InFlightKey,
  step: string,
  why: string
): Promise<void> {
  delete key.secretAccessKey;
  // P2: a promotion that crashed between its two label moves leaves one version both current and pending; the
  // key the vault holds as current is never deleted, whatever this attempt thinks of it. A key never staged
  // (the vault refused it) cannot be current, and the vault may be down then, so only a staged key is checked.
  if (key.versionId && (await deps.vault.describe(run.ref)).current?.accessKeyId === key.accessKeyId) {
    throw new RotationError("transient", `new key ${key.accessKeyId} is already current in the vault; not undoing it`);
  }
  await removeKey(deps.cam, run.uin, { accessKeyId: key.accessKeyId, status: "Active" });
  if (key.versionId) {
    await deps.vault
      .discardPending(run.ref, key.versionId)
      .catch((error: unknown) =>
        deps.log.warn(
          { account: run.account, uin: run.uin, versionId: key.versionId, error: String(error) },
          "could not discard the pending version; the next run discards it"
        )
      );
  }
  await deps.progress.forgetNewKey(run.account, run.uin);
  deps.log.warn({ account: run.account, uin: run.uin, keyId: key.accessKeyId, why }, "new key deleted again");
  await emit(deps, run, { step, type: "attempt-undone", keyId: key.accessKeyId, detail: why });
}
