// The vault port: what the rotation engine needs from wherever secrets live. Two adapters implement it:
// AWS Secrets Manager (aws-secrets-manager.ts) and an encrypted local file (file-vault.ts).

/** Identifies one user's secret. Adapters derive the storage name from it (a name template for AWS). */
export interface SecretRef {
  account: string;
  uin: number;
}

/** The JSON document consumers of the vault read. SecretKey is the CAM SecretAccessKey. */
export interface SecretPayload {
  SecretId: string;
  SecretKey: string;
  Uin: number;
  Account: string;
  CreateTime: string;
  RotatedAt: string;
}

export type VaultStage = "AWSCURRENT" | "AWSPENDING" | "AWSPREVIOUS";

/** One labelled version, described without its secret. */
export interface VaultVersion {
  versionId: string;
  /** The CAM AccessKeyId this version holds (SecretId of its payload). */
  accessKeyId: string;
}

/** A labelled version whose value names no access key (written by other means): reported, never used. */
export interface UnreadableVersion {
  stage: VaultStage;
  versionId: string;
  /** The rule it breaks ("not JSON", "SecretId: invalid_type"), never its value. */
  problem: string;
}

export interface VaultDescription {
  exists: boolean;
  /** Versions other than the current one that hold no readable key id: only the current key id matters. */
  unreadable?: UnreadableVersion[];
  current?: VaultVersion;
  pending?: VaultVersion;
  previous?: VaultVersion;
  /** Asked for with describe's `currentTimes`: the current version's times (due.ts reads its age from them). */
  currentTimes?: Partial<Pick<SecretPayload, "RotatedAt" | "CreateTime">>;
}

/**
 * What a caller already saw of a secret, earlier in the same rotation and under the user's lock, so that the
 * adapter can skip reading it again. An adapter relies on it only where the vault itself refuses a call made on a
 * stale view (AWS: UpdateSecretVersionStage whose RemoveFromVersionId no longer holds the label), and then looks
 * for itself. Without it every operation reads the secret first.
 */
export interface VaultHint {
  seen?: VaultDescription;
}

/** The promotion's planning metadata (metadata-tags.ts): the key the promoted version holds and when it rotated. */
export interface PromoteHint extends VaultHint {
  accessKeyId?: string;
  /** Epoch ms. */
  rotatedAt?: number;
}

/**
 * One secret of an account as a paged listing reports it, from metadata only (tags and labels, or the file
 * vault's clear index): what a sweep needs to plan, never a value.
 */
export interface VaultMetadataEntry {
  uin: number;
  /** Where it lives: the secret name (AWS) or the secret's key in the file. */
  name: string;
  /** Whether a real key is current (the AWS placeholder alone is no key). */
  hasCurrent: boolean;
  /**
   * The current key id and when it was rotated in (epoch ms), from the planning metadata written at promote. Absent
   * for a secret written before that metadata existed: plan that user from its value instead (readCurrent).
   */
  planning?: { currentKeyId: string; rotatedAt: number };
}

export interface VaultMetadataPage {
  entries: VaultMetadataEntry[];
  /** Pass back to get the next page; absent on the last one. */
  nextToken?: string;
}

export interface Vault {
  readonly kind: "aws-secrets-manager" | "file";
  /**
   * Where `ref`'s secret lives, without secrets (identity.ts). A rotation attempt records it; a run resumed on a
   * daemon whose vault differs never takes "the vault does not hold it" as evidence for anything.
   */
  identity(ref: SecretRef): string;
  /** The AWSCURRENT version's id and value, or null when the secret or its current version does not exist. */
  readCurrent(ref: SecretRef): Promise<{ versionId: string; value: SecretPayload } | null>;
  /**
   * The value of one version, labelled or not, or null when the secret or that version does not exist. Between
   * stage and promote the new secret lives only in the vault, so a resumed rotation reads it back from here.
   */
  readVersion(ref: SecretRef, versionId: string): Promise<SecretPayload | null>;
  /**
   * Which versions carry current, pending and previous, and the key id each holds. Never returns a secret. With
   * `currentTimes`, an adapter that reads the current value anyway also returns its times (the file vault does not).
   */
  describe(ref: SecretRef, options?: { currentTimes?: boolean }): Promise<VaultDescription>;
  /**
   * Stores `value` as AWSPENDING under `token` (32-64 chars), creating the secret if needed. The same token with
   * the same value is a no-op returning the same version; with a different value it throws a `conflict` error.
   * With `hint.seen` holding a current version, the caller vouches that `token` was just minted: the AWS adapter
   * then writes at once and leaves the different-value check to AWS itself (moto cannot make it).
   */
  stagePending(ref: SecretRef, token: string, value: SecretPayload, hint?: VaultHint): Promise<{ versionId: string }>;
  /**
   * Moves AWSCURRENT to `versionId`; the old current becomes AWSPREVIOUS. A no-op when already current. The AWS
   * adapter also writes the planning metadata tags; `hint.seen` (with `versionId` as its pending version) spares
   * it reading the secret first.
   */
  promote(ref: SecretRef, versionId: string, hint?: PromoteHint): Promise<void>;
  /** Removes the AWSPENDING label from `versionId`, if it carries it. */
  discardPending(ref: SecretRef, versionId: string): Promise<void>;
  /**
   * One page of `account`'s secrets, described from metadata only: one call, never a secret value. Pages hold at
   * most 100 entries; a secret that is not this rotator's, or not this account's, is left out.
   */
  listMetadata(account: string, pageToken?: string): Promise<VaultMetadataPage>;
  /** Releases clients and file handles. */
  close(): Promise<void>;
}

export type VaultErrorKind = "transient" | "permanent" | "conflict";

/** Every adapter failure. Messages name the secret and the operation, never a secret value. */
export class VaultError extends Error {
  override readonly name = "VaultError";
  constructor(
    readonly kind: VaultErrorKind,
    readonly operation: string,
    readonly secretName: string,
    detail: string
  ) {
    super(`vault ${operation} ${secretName} failed (${kind}): ${detail}`);
  }
}

/**
 * A call the adapter did not send: the vault's request-rate slot is further off than the caller may wait.
 * Nothing was written, so it is no failed attempt; the caller may try again after `retryAfterMs`.
 */
export class VaultDeferral extends Error {
  override readonly name: string = "VaultDeferral";
  constructor(
    readonly retryAfterMs: number,
    message: string
  ) {
    super(message);
  }
}

export function isVaultError(error: unknown): error is VaultError {
  return error instanceof VaultError;
}
