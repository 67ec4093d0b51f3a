// The start-up clock check: CAM refuses every request whose X-TC-Timestamp is more than 5 minutes from its own
// clock (AuthFailure.SignatureExpire), so a drifting host would fail every rotation. Before that happens, read
// the Date header of one CAM answer per account and warn (log and metric) when this host is far off.
import type { AccountConfig } from "../config/index.js";
import { DEFAULT_CAM_ENDPOINT } from "../cam/endpoint.js";
import type { Logger } from "../log.js";

/** A fifth of CAM's 300 s tolerance: early enough to fix the clock before signatures expire. */
export const CLOCK_SKEW_WARN_SEC = 60;
const PROBE_TIMEOUT_MS = 5_000;

/**
 * This host's clock minus the endpoint's, in seconds, from the Date header of an unsigned request (any answer
 * carries one). The Date header has a one-second resolution; the round trip's midpoint stands for its instant.
 */
export async function measureClockSkew(endpoint: string, now: () => number = Date.now): Promise<number> {
  const sent = now();
  const response = await fetch(endpoint, { method: "GET", signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  const received = now();
  await response.body?.cancel();
  const date = Date.parse(response.headers.get("date") ?? "");
  if (Number.isNaN(date)) throw new Error(`${endpoint} answered without a Date header`);
  return Math.round(((sent + received) / 2 - (date + 500)) / 1000);
}

/** Measures each account's endpoint once; a skew past the warning line is logged, every measurement reported. */
export async function checkClockSkew(
  accounts: AccountConfig[],
  log: Logger,
  report: (account: string, skewSec: number) => void
): Promise<void> {
  await Promise.all(
    accounts.map(async (account) => {
      const endpoint = account.endpoint ?? DEFAULT_CAM_ENDPOINT;
      try {
        const skewSec = await measureClockSkew(endpoint);
        report(account.name, skewSec);
        if (Math.abs(skewSec) > CLOCK_SKEW_WARN_SEC) {
          log.warn(
            { account: account.name, endpoint, skewSec, limitSec: 300 },
            `this host's clock is ${Math.abs(skewSec)} s ${skewSec > 0 ? "ahead of" : "behind"} CAM's: past 300 s every call fails with AuthFailure.SignatureExpire; fix the clock (NTP)`
          );
        } else {
          log.debug({ account: account.name, endpoint, skewSec }, "clock skew against CAM checked");
        }
      } catch (error) {
        log.warn(
          { account: account.name, endpoint, err: String(error) },
          "could not check the clock against CAM's Date header"
        );
      }
    })
  );
}
