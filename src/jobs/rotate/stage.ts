// Step 5, stage: the new secret goes to the vault as AWSPENDING under a token derived from the attempt and the
// key, so a retry with the same value is a no-op. Transient vault failures are retried briefly; if the secret
// still cannot be stored, the new key is deleted again and the attempt fails, leaving the old key current (P1).
import { rotationToken } from "../../vault/tokens.js";
import { payloadTimes } from "../../vault/payload-times.js";
import type { SecretPayload, VaultDescription } from "../../vault/port.js";
import { classifyFailure, RotationError } from "../failures.js";
import { retryNow } from "../retry-now.js";
import { emit, type InFlightKey, type RotationDeps, type RotationRun } from "./context.js";
import { undoNewKey } from "./undo.js";

/** `seen` is the vault as this run's inspect saw it: the token is new, so the vault may skip reading it again. */
export async function stage(
  deps: RotationDeps,
  run: RotationRun,
  attemptId: string,
  key: InFlightKey,
  seen: VaultDescription
): Promise<string> {
  if (key.versionId) return key.versionId; // Guard: the vault already holds it.
  const { secretAccessKey: secretKey, createdAt } = key;
  if (secretKey === undefined || createdAt === undefined) {
    throw new RotationError(
      "transient",
      `new key ${key.accessKeyId} has no secret in memory to stage; the next run deletes it as an orphan`
    );
  }
  const payload: SecretPayload = {
    SecretId: key.accessKeyId,
    SecretKey: secretKey,
    Uin: run.uin,
    Account: run.account,
    ...payloadTimes(createdAt, deps.clock()),
  };
  const token = rotationToken(run.account, run.uin, `${attemptId}/${key.accessKeyId}`);
  let versionId: string;
  try {
    ({ versionId } = await retryNow(() => deps.vault.stagePending(run.ref, token, payload, { seen }), deps.sleep, {
      tries: 4,
      firstDelayMs: 250,
    }));
  } catch (error) {
    const failure = classifyFailure(error);
    const reason = failure.kind === "transient" || failure.kind === "permanent" ? failure.reason : String(error);
    await undoNewKey(deps, run, key, "stage", `the vault could not store it: ${reason}`);
    // The vault's quota slot lies beyond limiter.maxWait: not a failed attempt, the job waits in the queue.
    if (failure.kind === "deferred") throw error;
    throw new RotationError(
      failure.kind === "permanent" ? "permanent" : "transient",
      `could not store new key ${key.accessKeyId} in the vault, so it was deleted again; the old key stays current: ${reason}`
    );
  }
  key.versionId = versionId;
  // The key id again, beside its version: create records it only on a best-effort basis, and a resumed run
  // needs it to see that this attempt's key is the one the vault holds.
  await deps.progress.update(run.account, run.uin, { newKeyId: key.accessKeyId, versionId });
  await emit(deps, run, { step: "stage", type: "key-staged", keyId: key.accessKeyId, detail: `version ${versionId}` });
  return versionId;
}
