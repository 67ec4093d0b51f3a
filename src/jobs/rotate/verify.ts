// Step 6, verify: prove the new key works by signing one read-only call (GetUserAppId) with it, retrying while
// CAM propagates the key, up to rotation.verifyTimeout. A key that never authenticates is deleted and its
// pending version dropped. After a crash the secret comes back from the vault's pending version.
import { isCamError } from "../../cam/errors.js";
import { LimiterDeferral } from "../../cam/limiter/gate.js";
import { RotationError } from "../failures.js";
import { emit, type InFlightKey, type RotationDeps, type RotationRun } from "./context.js";
import { undoNewKey } from "./undo.js";

const FIRST_PAUSE_MS = 200;
const LONGEST_PAUSE_MS = 2_000;

export async function verify(deps: RotationDeps, run: RotationRun, key: InFlightKey): Promise<void> {
  const secretKey = key.secretAccessKey ?? (await pendingSecret(deps, run, key));
  const deadline = deps.clock() + deps.rotation.verifyTimeout;
  let problem = "";
  let keyRefused = false;
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
    try {
      const identity = await deps.cam.whoAmI({ secretId: key.accessKeyId, secretKey });
      if (identity.uin === String(run.uin)) break;
      keyRefused = true;
      problem = `it authenticates as uin ${identity.uin}, not ${run.uin}`;
    } catch (error) {
      if (error instanceof LimiterDeferral) throw error;
      if (!isCamError(error) || (!error.retryable && error.kind !== "auth")) throw error;
      keyRefused = error.kind === "auth";
      problem = `${error.code}${error.requestId ? ` (RequestId ${error.requestId})` : ""}`;
    }
    const left = deadline - deps.clock();
    if (left <= 0) return giveUp(deps, run, key, keyRefused, problem);
    await deps.sleep(Math.min(pause, left));
  }
  delete key.secretAccessKey; // Its work in this process is done; the vault has it.
  await emit(deps, run, { step: "verify", type: "key-verified", keyId: key.accessKeyId });
}

async function pendingSecret(deps: RotationDeps, run: RotationRun, key: InFlightKey): Promise<string> {
  const versionId = key.versionId;
  const stored = versionId ? await deps.vault.readVersion(run.ref, versionId) : null;
  if (!stored || stored.SecretId !== key.accessKeyId) {
    throw new RotationError("transient", `pending version ${versionId ?? "(none)"} of key ${key.accessKeyId} is not in the vault; the next run reconciles`);
  }
  return stored.SecretKey;
}

async function giveUp(deps: RotationDeps, run: RotationRun, key: InFlightKey, keyRefused: boolean, problem: string): Promise<never> {
  const seconds = Math.round(deps.rotation.verifyTimeout / 1000);
  if (!keyRefused) {
    // CAM itself was unavailable: the key is not proven bad. Keep it staged; a later run verifies again.
    throw new RotationError("transient", `could not verify new key ${key.accessKeyId} within ${seconds} s, CAM unavailable: ${problem}`);
  }
  await undoNewKey(deps, run, key, "verify", `it never authenticated within ${seconds} s: ${problem}`);
  throw new RotationError("transient",
    `new key ${key.accessKeyId} never authenticated within ${seconds} s (${problem}); it was deleted and its pending version discarded`);
}
