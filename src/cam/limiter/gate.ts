// The contract between the CAM client and the rate limiter. The client cannot be built without a gate, so no
// CAM call bypasses the limiter.
import type { CamAction } from "../actions.js";
import { CamDeferral } from "../types.js";

/** Thrown by a gate when a call would have to wait longer than the caller's bound for its slot: the port's deferral. */
export class LimiterDeferral extends CamDeferral {
  override readonly name: string = "LimiterDeferral";
  constructor(account: string, action: CamAction, retryAfterMs: number) {
    super(
      account,
      action,
      retryAfterMs,
      `rate limit for ${action} on account ${account}: next slot in ${retryAfterMs} ms`
    );
  }
}

export interface CallGate {
  /**
   * Resolves when one call of `action` for `account` may be sent now. Waits for a slot up to the gate's bound;
   * rejects with LimiterDeferral when the slot is further away than that.
   */
  admit(account: string, action: CamAction): Promise<void>;
  /** CAM answered RequestLimitExceeded although we stayed within our limit: someone else shares the quota. */
  penalize(account: string, action: CamAction): Promise<void>;
}
