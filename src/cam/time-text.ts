// CAM's time texts, read (and, for the vault document, written) on the client side only: the port hands the
// engine epoch milliseconds. CAM prints no zone; CreateTime is read as UTC+8, the simulator's documented reading
// (hours do not matter against limits counted in days).
const UTC_PLUS_8_MS = 8 * 3_600_000;
/** The shape of CreateTime; parseCamTime reads every text of this shape. */
export const CAM_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** "YYYY-MM-DD HH:mm:ss" as CAM prints CreateTime, read as UTC+8; null when it is not that shape. */
export function parseCamTime(text: string): number | null {
  const match = CAM_TIME.exec(text);
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) - UTC_PLUS_8_MS;
}

/** "YYYY-MM-DD HH:mm:ss" in UTC+8, as CAM prints CreateTime: the inverse of parseCamTime, to the second. */
export function formatCamTime(epochMs: number): string {
  return new Date(epochMs + UTC_PLUS_8_MS).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * GetSecurityLastUsed's LastUsedDate, "YYYY-MM-DD" (a day late, zone unstated), as the start of that day in UTC;
 * null when it is not a date. The engine allows for the lateness and the zone (key-removal.ts).
 */
export function parseCamDay(text: string): number | null {
  const day = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(day) ? day : null;
}
