// Step 6, verify: prove the new key works by signing STS GetCallerIdentity with it (src/cam/key-proof.ts), while
// CAM propagates the key, up to rotation.verifyTimeout, and check that it is the target user's. After a crash the
// secret comes back from the vault's pending version.
// - It is the target user's, or CAM accepted its signature and refused the call for lack of permission: verified.
// - It authenticates as anyone else: deleted at once, never promoted, and the rotation fails for good.
// - It never authenticated: deleted and its pending version dropped; the job tries again later.
// - CAM was unavailable, or our clock is off (SignatureExpire): the key stays staged; nothing proves it bad.
import { identityMismatch, ownOwnerUin, proveKey } from "../../cam/key-proof.js";
import { RotationError } from "../failures.js";
import { emit, type InFlightKey, type RotationDeps, type RotationRun } from "./context.js";
import { undoNewKey } from "./undo.js";

export async function verify(deps: RotationDeps, run: RotationRun, key: InFlightKey): Promise<void> {
  const secretKey = key.secretAccessKey ?? (await pendingSecret(deps, run, key));
  const proof = await proveKey(
    deps.cam,
    { secretId: key.accessKeyId, secretKey },
    { timeoutMs: deps.rotation.verifyTimeout, clock: deps.clock, sleep: deps.sleep }
  );
  const seconds = Math.round(deps.rotation.verifyTimeout / 1000);
  let detail: string;
  switch (proof.kind) {
    case "identified": {
      const mismatch = identityMismatch(proof.identity, run.uin, await ownOwnerUin(deps.cam));
      if (mismatch !== null) {
        await undoNewKey(deps, run, key, "verify", mismatch);
        throw new RotationError(
          "permanent",
          `new key ${key.accessKeyId} is not the user's: ${mismatch}; it was deleted and never promoted`
        );
      }
      detail = `authenticated as uin ${proof.identity.userId} of account ${proof.identity.accountId} after ${proof.elapsedMs} ms`;
      break;
    }
    case "accepted":
      detail = `authenticated after ${proof.elapsedMs} ms (STS answered ${proof.code}: the signature was accepted; identity not shown)`;
      break;
    case "clockSkew":
      throw new RotationError(
        "permanent",
        `this host's clock is wrong: verifying new key ${key.accessKeyId}, CAM answered ${proof.problem} ` +
          "(X-TC-Timestamp more than 5 minutes from CAM's time). Fix the clock (NTP); the new key stays staged in the vault " +
          "and was not deleted, and `cam-rotator retry-failed` resumes at verify"
      );
    case "unavailable":
      // CAM itself was unavailable: the key is not proven bad. Keep it staged; a later run verifies again.
      throw new RotationError(
        "transient",
        `could not verify new key ${key.accessKeyId} within ${seconds} s, CAM unavailable: ${proof.problem}`
      );
    case "neverValid":
      await undoNewKey(deps, run, key, "verify", `it never authenticated within ${seconds} s: ${proof.problem}`);
      throw new RotationError(
        "transient",
        `new key ${key.accessKeyId} never authenticated within ${seconds} s (${proof.problem}); it was deleted and its pending version discarded`
      );
    default: {
      const unreachable: never = proof;
      throw new Error(`unhandled key proof ${JSON.stringify(unreachable)}`);
    }
  }
  delete key.secretAccessKey; // Its work in this process is done; the vault has it.
  await emit(deps, run, { step: "verify", type: "key-verified", keyId: key.accessKeyId, detail });
}

async function pendingSecret(deps: RotationDeps, run: RotationRun, key: InFlightKey): Promise<string> {
  const versionId = key.versionId;
  const stored = versionId ? await deps.vault.readVersion(run.ref, versionId) : null;
  if (!stored || stored.SecretId !== key.accessKeyId) {
    throw new RotationError(
      "transient",
      `pending version ${versionId ?? "(none)"} of key ${key.accessKeyId} is not in the vault; the next run reconciles`
    );
  }
  return stored.SecretKey;
}
