// Reconcile's precondition: "the vault does not hold this key" is evidence only in the vault the attempt wrote
// to, and only while that vault still has what the attempt stored there. A run resumed on a daemon whose vault
// differs (another name template, region or endpoint, a per-host file vault, a config changed across a restart),
// or facing a secret that has disappeared, stops before reconcile can delete or create anything (P2, P3), and
// raises an alert: a log line, an event and a metric.
import { RotationError } from "../failures.js";
import type { AttemptRecord } from "../progress.js";
import { emit, type RotationDeps, type RotationRun, type Snapshot } from "./context.js";

export type VaultAlertReason = "vault-identity-mismatch" | "vault-secret-missing";

export async function checkVaultOfAttempt(deps: RotationDeps, run: RotationRun, snapshot: Snapshot): Promise<Snapshot> {
  const attempt = snapshot.progress.attempt;
  if (!attempt) return snapshot;
  const here = deps.vault.identity(run.ref);
  const keyInFlight = attempt.newKeyId ?? attempt.versionId ?? attempt.createGuard;
  if (attempt.vaultIdentity !== here) {
    if (keyInFlight === undefined) {
      // Nothing created yet: the attempt simply goes on in this daemon's vault.
      await deps.progress.update(run.account, run.uin, { vaultIdentity: here });
      return { ...snapshot, progress: { ...snapshot.progress, attempt: { ...attempt, vaultIdentity: here } } };
    }
    const recorded =
      attempt.vaultIdentity === undefined
        ? "a vault it did not record (a record from an older version)"
        : `vault "${attempt.vaultIdentity}"`;
    return alert(
      deps,
      run,
      attempt,
      "vault-identity-mismatch",
      `attempt ${attempt.attemptId} wrote to ${recorded}, but this daemon's vault is "${here}"; ` +
        `nothing was deleted or created. Resume it from a daemon configured with the attempt's vault`
    );
  }
  if (attempt.versionId && !snapshot.vault.exists) {
    return alert(
      deps,
      run,
      attempt,
      "vault-secret-missing",
      `attempt ${attempt.attemptId} stored version ${attempt.versionId} in vault "${here}", and that secret no longer ` +
        `exists; nothing was deleted or created. Restore the secret (or find who removed it) before rotating again`
    );
  }
  return snapshot;
}

async function alert(
  deps: RotationDeps,
  run: RotationRun,
  attempt: AttemptRecord,
  reason: VaultAlertReason,
  message: string
): Promise<never> {
  const keyId = attempt.newKeyId;
  deps.log.error(
    {
      account: run.account,
      uin: run.uin,
      alert: reason,
      keyId,
      recordedVault: attempt.vaultIdentity ?? null,
      vault: deps.vault.identity(run.ref),
    },
    `rotation stopped: ${message}`
  );
  deps.observer?.vaultAlert?.({ account: run.account, uin: run.uin, reason });
  await emit(deps, run, { step: "reconcile", type: reason, ...(keyId ? { keyId } : {}), detail: message });
  throw new RotationError("permanent", `${reason}: ${message}`);
}
