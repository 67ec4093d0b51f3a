// Exit codes of every cam-rotator command. Scripts branch on these, so they are part of the interface: the
// help text and the README print this same table.
export const EXIT = {
  ok: 0,
  /** The operation ran and failed: a rotation failed, a probe failed, a service did not answer. */
  failed: 1,
  /** Bad arguments or a bad config file; nothing was started or changed. */
  usage: 2,
  /** `rotate --wait`: the rotation parked because a key is flagged for removal. */
  parked: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODE_HELP = `Exit codes:
  0  success (rotate --wait: rotated, or nothing to do)
  1  the operation failed (rotate --wait: the rotation failed; check-config: a probe failed; Redis unreachable)
  2  bad arguments or bad configuration; nothing was started or changed
  3  rotate --wait: the rotation is parked on a key flagged for removal (see \`cam-rotator flagged\`)`;
