// What planning a sweep is asked and answers (sweep.ts plans; the engine's face hands the plan out).
export interface SweepPlanEntry {
  uin: number;
  due: boolean;
  /** Human-readable: "current key 120 days old (max 90)", "no key in vault", "rotation already queued". */
  reason: string;
  currentKeyId: string | null;
  currentKeyAgeDays: number | null;
  /** Set when the user could not be planned (a vault error that outlasted its retries): what went wrong. */
  failure?: string;
}

export interface SweepPlanOptions {
  /** Hears how many users have been planned out of how many. */
  onProgress?: (done: number, total: number) => void;
  /**
   * false: metadata only, never a value (the key-age gauge); a user without planning metadata gets an unknown
   * age. Default true: such a user is planned from its current value.
   */
  readValues?: boolean;
  /**
   * Mark due users whose rotation job already exists ("; rotation already queued"), for people reading the plan.
   * Default false: the sweep job and the gauge skip it (the enqueue step itself meets existing jobs).
   */
  markQueued?: boolean;
}
