// What a failed step means for its job: wait for the limiter (not an attempt), retry later with backoff, or fail
// for good with a clear reason. Messages are built from CamError / VaultError messages, which name ids, never
// secrets; BullMQ stores them in Redis as the failure reason.
import { isCamError } from "../cam/errors.js";
import { CamDeferral } from "../cam/types.js";
import { isVaultError, VaultDeferral } from "../vault/port.js";

/** A failure the engine itself decides on (a step's guard, an undone attempt). */
export class RotationError extends Error {
  override readonly name = "RotationError";
  constructor(
    readonly kind: "transient" | "permanent",
    message: string
  ) {
    super(message);
  }
}

/** Thrown by make-room when the rotation has to wait for an operator or for the key to go away. */
export class RotationParked extends Error {
  override readonly name = "RotationParked";
  constructor(
    readonly flaggedKeyId: string,
    readonly reason: string
  ) {
    super(`rotation parked: key ${flaggedKeyId} must be removed first (${reason})`);
  }
}

export type Failure =
  | { kind: "deferred"; retryAfterMs: number }
  | { kind: "parked"; flaggedKeyId: string; reason: string }
  | { kind: "transient"; reason: string }
  | { kind: "permanent"; reason: string };

export function classifyFailure(error: unknown): Failure {
  if (error instanceof CamDeferral || error instanceof VaultDeferral)
    return { kind: "deferred", retryAfterMs: error.retryAfterMs };
  if (error instanceof RotationParked)
    return { kind: "parked", flaggedKeyId: error.flaggedKeyId, reason: error.reason };
  if (error instanceof RotationError) return { kind: error.kind, reason: error.message };
  if (isCamError(error)) {
    switch (error.kind) {
      case "throttled":
      case "transient":
      case "unknown":
      case "overLimit":
        return { kind: "transient", reason: error.message };
      case "auth":
        return { kind: "permanent", reason: `CAM refused the account's credentials or permissions: ${error.message}` };
      case "notFound":
        return { kind: "permanent", reason: `CAM says the user or key no longer exists: ${error.message}` };
      case "invalid":
        return { kind: "permanent", reason: `CAM rejected the request as invalid: ${error.message}` };
      default: {
        const unreachable: never = error.kind;
        return { kind: "transient", reason: String(unreachable) };
      }
    }
  }
  if (isVaultError(error)) {
    return error.kind === "permanent"
      ? { kind: "permanent", reason: `the vault refused: ${error.message}` }
      : { kind: "transient", reason: error.message };
  }
  // An unexpected error (a bug, a dropped Redis connection): retried within the job's bounded attempts.
  return { kind: "transient", reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

/** Transient errors worth retrying in-process for a moment before the step gives up (vault writes, verify). */
export function isRetryableNow(error: unknown): boolean {
  if (isVaultError(error)) return error.kind === "transient";
  if (isCamError(error)) return error.retryable;
  return false;
}
