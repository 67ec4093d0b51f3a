// When is a user's key due for rotation? The age comes from the vault's current version: its RotatedAt (an ISO
// time the rotator wrote) or, for a secret written by other means, its CreateTime read as CAM prints it (UTC+8,
// the simulator's documented reading; hours do not matter against a limit counted in days).
import type { SecretRef, Vault } from "../vault/port.js";

const DAY_MS = 86_400_000;
const CAM_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

export interface KeyAge {
  currentKeyId: string | null;
  /** Whole and fractional days; null when the vault has no current key or its time cannot be read. */
  ageDays: number | null;
}

export async function currentKeyAge(vault: Vault, ref: SecretRef, now: number): Promise<KeyAge> {
  const current = await vault.readCurrent(ref);
  if (!current) return { currentKeyId: null, ageDays: null };
  return keyAgeFrom(current.value.SecretId, current.value.RotatedAt, current.value.CreateTime, now);
}

/** The age of key `currentKeyId` from when it was rotated in (ISO), else from CAM's CreateTime. */
export function keyAgeFrom(currentKeyId: string, rotatedAt: string, createTime: string | undefined, now: number): KeyAge {
  const since = parseTime(rotatedAt) ?? (createTime === undefined ? null : parseCamTime(createTime));
  return { currentKeyId, ageDays: since === null ? null : (now - since) / DAY_MS };
}

export function dueDecision(age: KeyAge, maxKeyAgeDays: number): { due: boolean; reason: string } {
  if (age.currentKeyId === null) return { due: true, reason: "no key in vault" };
  if (age.ageDays === null) return { due: true, reason: `current key ${age.currentKeyId} has no readable age` };
  const days = Math.floor(age.ageDays);
  return age.ageDays >= maxKeyAgeDays
    ? { due: true, reason: `current key ${days} days old (max ${maxKeyAgeDays})` }
    : { due: false, reason: `current key ${days} days old (max ${maxKeyAgeDays})` };
}

function parseTime(text: string): number | null {
  const ms = Date.parse(text);
  return Number.isFinite(ms) && /\d{4}-\d{2}-\d{2}T/.test(text) ? ms : null;
}

/** "YYYY-MM-DD HH:mm:ss" as CAM prints it, read as UTC+8. */
export function parseCamTime(text: string): number | null {
  const match = CAM_TIME.exec(text);
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) - 8 * 3_600_000;
}
