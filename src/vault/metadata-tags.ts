// Non-secret planning metadata kept in the secret's tags at promote, so sweeps plan without reading values.
export const CURRENT_KEY_TAG = "cam-rotator:current-key-id";
export const ROTATED_AT_TAG = "cam-rotator:rotated-at";

/**
 * ROTATED_AT_TAG's value as epoch ms: promote writes decimal epoch ms; an ISO time (as a hand-made tag or the file
 * vault's index holds) is read too. null for anything else: that user is then planned from its value.
 */
export function planningTime(text: string): number | null {
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}
