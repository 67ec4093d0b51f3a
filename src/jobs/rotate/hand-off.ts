// Between CreateAccessKey's answer and the vault write the new secret lives only in process memory (P1). The
// Redis writes in that window (the new key's id, its event, job progress) share one short deadline, counted from
// the answer, and then go on in the background: a paused or slow Redis must not hold the secret back from the vault. A resumed run needs none
// of them: the create guard, written before the call, and the vault's pending version tell it what happened.
import type { RotationDeps, RotationRun } from "./context.js";

export const HAND_OFF_DEADLINE_MS = 250;

/** The moment by which the secret must be on its way to the vault, for an answer that came now. */
export function handOffDeadline(): number {
  return Date.now() + HAND_OFF_DEADLINE_MS;
}

/** Waits for `write` until `by` (epoch ms) at the latest; a later failure is only logged. */
export async function boundedBeforeVault(
  deps: RotationDeps,
  run: RotationRun,
  what: string,
  write: Promise<unknown>,
  by: number
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const settled = write.then(
    () => true,
    (error: unknown) => {
      deps.log.warn(
        { account: run.account, uin: run.uin, error: String(error) },
        `could not record ${what}; the vault write goes on`
      );
      return true;
    }
  );
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, by - Date.now()));
  });
  const inTime = await Promise.race([settled, expired]);
  clearTimeout(timer);
  if (!inTime) {
    deps.log.warn(
      { account: run.account, uin: run.uin, deadlineMs: HAND_OFF_DEADLINE_MS },
      `recording ${what} is slow; the new secret goes to the vault first`
    );
  }
}
