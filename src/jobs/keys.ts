// Redis keys the engine owns besides BullMQ's, all under the configured prefix (which may be a Cluster hash tag
// such as "{cam-rotator}", so BullMQ's keys and these share one slot). None of them ever holds a secret (P4).
export interface EngineKeys {
  /** Hash per user: the rotation's progress record (progress.ts). */
  progress(account: string, uin: number): string;
  /** Set of "account/uin" of users with pre-existing keys recorded in their progress record (preexisting.ts). */
  preexisting: string;
  /** Hash: access key id -> flag record (flags.ts). */
  flags: string;
  /** Hash: access key id -> "account/uin" of keys whose flag an operator dismissed; not flagged again. */
  dismissed: string;
  /** Set of rotate job ids parked on a flagged key (for status without reading every delayed job). */
  parked: string;
  /** Capped stream of rotation events (events.ts). */
  events: string;
  /** Stream of operator actions with who ran them (audit.ts), capped far higher than events. */
  audit: string;
  /** String per rotate job id: how its last run ended, read by waitForRotation once BullMQ removed the job. */
  outcome(jobId: string): string;
}

export function engineKeys(prefix: string): EngineKeys {
  const base = `${prefix}:rotator`;
  return {
    progress: (account, uin) => `${base}:progress:${account}:${uin}`,
    preexisting: `${base}:preexisting`,
    flags: `${base}:flags`,
    dismissed: `${base}:flags-dismissed`,
    parked: `${base}:parked`,
    events: `${base}:events`,
    audit: `${base}:audit`,
    outcome: (jobId) => `${base}:outcome:${jobId}`,
  };
}
