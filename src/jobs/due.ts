// When is a user's key due for rotation? The age comes from the vault's current version: its RotatedAt (the
// rotator wrote it) or, for a secret written by other means, its key's CreateTime (payload-times.ts reads both).
import { DAY_MS } from "../config/index.js";
import { createdAtOf, rotatedAtOf } from "../vault/payload-times.js";
import { isVaultError, type SecretPayload, type SecretRef, type Vault } from "../vault/port.js";

export interface KeyAge {
  currentKeyId: string | null;
  /** Whole and fractional days; null when the vault has no current key or its time cannot be read. */
  ageDays: number | null;
}

export async function currentKeyAge(vault: Vault, ref: SecretRef, now: number): Promise<KeyAge> {
  let current;
  try {
    current = await vault.readCurrent(ref);
  } catch (error) {
    if (!isVaultError(error) || error.kind !== "permanent") throw error;
    // A current value in another shape (a hand-made secret, adopted): describe names its key tolerantly, and
    // whatever times it lacks leave its age unreadable, which is due; the rotation then replaces it.
    const description = await vault.describe(ref, { currentTimes: true }).catch(() => null);
    if (!description?.current) throw error;
    return keyAgeOf(description.current.accessKeyId, description.currentTimes ?? {}, now);
  }
  if (!current) return { currentKeyId: null, ageDays: null };
  return keyAgeOf(current.value.SecretId, current.value, now);
}

/** The age of key `keyId` from the times its vault version holds. */
export function keyAgeOf(
  keyId: string,
  times: Partial<Pick<SecretPayload, "RotatedAt" | "CreateTime">>,
  now: number
): KeyAge {
  const since = rotatedAtOf(times) ?? createdAtOf(times);
  return keyAgeSince(keyId, since, now);
}

/** The age of key `keyId` rotated in at `since` (epoch ms; null: unknown). */
export function keyAgeSince(keyId: string, since: number | null, now: number): KeyAge {
  return { currentKeyId: keyId, ageDays: since === null ? null : (now - since) / DAY_MS };
}

export function dueDecision(age: KeyAge, maxKeyAgeDays: number): { due: boolean; reason: string } {
  if (age.currentKeyId === null) return { due: true, reason: "no key in vault" };
  if (age.ageDays === null) return { due: true, reason: `current key ${age.currentKeyId} has no readable age` };
  const days = Math.floor(age.ageDays);
  return age.ageDays >= maxKeyAgeDays
    ? { due: true, reason: `current key ${days} days old (max ${maxKeyAgeDays})` }
    : { due: false, reason: `current key ${days} days old (max ${maxKeyAgeDays})` };
}
