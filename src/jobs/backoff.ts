// Retry timing for transient failures: exponential with "equal jitter", so that many jobs failing together
// (CAM or the vault briefly down) do not come back together.
export const BACKOFF_TYPE = "rotation-jitter";

export interface BackoffSettings {
  /** Delay before the first retry, before jitter. Default 2000 ms. */
  baseMs: number;
  /** Cap on any one delay. Default 5 minutes. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 2_000, maxMs: 300_000 };

/** Delay before retry number `attemptsMade` (1-based): half fixed, half random, doubling each time. */
export function backoffDelay(
  attemptsMade: number,
  settings: BackoffSettings,
  random: () => number = Math.random
): number {
  const exponent = Math.max(0, attemptsMade - 1);
  const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.min(exponent, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** A BullMQ worker `settings.backoffStrategy` for jobs added with `backoff: { type: BACKOFF_TYPE }`. */
export function backoffStrategy(settings: BackoffSettings): (attemptsMade: number) => number {
  return (attemptsMade) => backoffDelay(attemptsMade, settings);
}
