// The secret document's two times, as the engine's epoch milliseconds. The document keeps its text form for its
// consumers: RotatedAt is the ISO time the rotator wrote; CreateTime is the key's CreateTime as CAM prints it.
import { formatCamTime, parseCamTime } from "../cam/time-text.js";
import type { SecretPayload } from "./port.js";

/** The document's time fields for a key created at `createdAt` and staged at `rotatedAt`. */
export function payloadTimes(createdAt: number, rotatedAt: number): Pick<SecretPayload, "CreateTime" | "RotatedAt"> {
  return { CreateTime: formatCamTime(createdAt), RotatedAt: new Date(rotatedAt).toISOString() };
}

/** RotatedAt, when it is an ISO time (the rotator's); null for anything else a document written by other means holds. */
export function rotatedAtOf(payload: Partial<Pick<SecretPayload, "RotatedAt">>): number | null {
  if (payload.RotatedAt === undefined) return null;
  const ms = Date.parse(payload.RotatedAt);
  return Number.isFinite(ms) && /\d{4}-\d{2}-\d{2}T/.test(payload.RotatedAt) ? ms : null;
}

/** CreateTime as CAM prints it (read as UTC+8); null when it is not in that form. */
export function createdAtOf(payload: Partial<Pick<SecretPayload, "CreateTime">>): number | null {
  return payload.CreateTime === undefined ? null : parseCamTime(payload.CreateTime);
}
