// How the simulator prints times. Real CAM prints CreateTime as "YYYY-MM-DD HH:mm:ss" without a zone; it reads
// like Beijing time, so the simulator prints every CAM-facing time and date in UTC+8 (documented decision).
import { formatCamTime } from "../time-text.js";

/** "YYYY-MM-DD HH:mm:ss" in UTC+8, as CreateTime reads (the client reads it back with parseCamTime). */
export const camTime = formatCamTime;

/** "YYYY-MM-DD" in UTC+8, as GetSecurityLastUsed's LastUsedDate reads. */
export function camDate(epochMs: number): string {
  return camTime(epochMs).slice(0, 10);
}

/** "YYYY-MM-DD" in UTC, as the TC3 credential scope's date reads. */
export function utcDate(epochSec: number): string {
  return new Date(epochSec * 1000).toISOString().slice(0, 10);
}
