// The one rule for CAM's last-use lag (issue 11, section 4). GetSecurityLastUsed reports a key's use only some
// time after it happened: LastUsedDate is documented as a day late, and Tencent's own example shows three days
// between LastUsedDate and LastSecretUsedDate. `accounts[].retire.lastUsedLag` says how late it may be.
// A report read at `now` therefore shows every use up to `now - lag`, and nothing after. So:
// - deactivation waits until the report reaches the moment the key stopped being current, then decides on it;
// - deletion waits until the report reaches the moment the key was deactivated (an Inactive key signs nothing,
//   so the report then covers every use the key could have had since it stopped being current), and deletes
//   only if it shows none (P3). A use the deactivation could not see yet still stops the deletion.

/** How long until a report shows every use up to `until` (epoch ms); 0 when a report read at `now` already does. */
export function untilReported(now: number, lagMs: number, until: number): number {
  return Math.max(0, until + lagMs - now);
}

/**
 * Why a retirement setting shorter than the lag is not what it says, or null when it is safe. check-config and
 * daemon start-up print this.
 */
export function lagWarning(retire: {
  deactivateAfter: number;
  deleteAfter: number;
  lastUsedLag: number;
}): string | null {
  const short = (["deactivateAfter", "deleteAfter"] as const).filter((phase) => retire[phase] < retire.lastUsedLag);
  if (short.length === 0) return null;
  return (
    `${short.map((phase) => `retire.${phase} (${retire[phase]} ms)`).join(" and ")} ${short.length === 1 ? "is" : "are"} shorter than retire.lastUsedLag ` +
    `(${retire.lastUsedLag} ms): GetSecurityLastUsed cannot show a use that recent yet, so that phase waits for the lag`
  );
}
