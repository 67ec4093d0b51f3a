// Taking a key out of service, and the evidence that it is safe to: GetSecurityLastUsed.
import type { AccessKey, CamApi, KeyChange, KeyLastUsed } from "../cam/types.js";
import { DAY_MS } from "../config/index.js";

/**
 * Deactivates (if Active) and deletes a key. A key already gone counts as removed (the CAM client answers
 * "gone" whichever code CAM used to say so), so a retry is free.
 */
export async function removeKey(
  cam: CamApi,
  uin: number,
  key: Pick<AccessKey, "accessKeyId" | "status">
): Promise<KeyChange> {
  if (key.status === "Active" && (await cam.updateAccessKey(uin, key.accessKeyId, "Inactive")) === "gone")
    return "gone";
  return cam.deleteAccessKey(uin, key.accessKeyId);
}

export async function deactivateKey(cam: CamApi, uin: number, accessKeyId: string): Promise<KeyChange> {
  return cam.updateAccessKey(uin, accessKeyId, "Inactive");
}

/**
 * Whether the key signed anything after `since` (epoch ms). lastUsedAt is exact; when CAM gives only a day (late
 * by a day, zone unstated) we count the key as used unless that day ended two days before `since`: unsure means
 * used, and used means keep (P3). Both null means never used.
 */
export function usedSince(row: KeyLastUsed | undefined, since: number): boolean {
  if (!row) return true; // CAM said nothing readable about the key: unknown, so treated as used.
  if (row.lastUsedAt !== null) return row.lastUsedAt > since;
  if (row.lastUsedDay !== null) return row.lastUsedDay + 2 * DAY_MS > since;
  return false;
}

export async function lastUseOf(cam: CamApi, accessKeyId: string): Promise<KeyLastUsed | undefined> {
  const rows = await cam.getSecurityLastUsed([accessKeyId]);
  return rows.find((row) => row.secretId === accessKeyId);
}
