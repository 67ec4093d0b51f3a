// Flagging a key for an operator instead of removing it (P3): a foreign key in the way of a rotation, a previous
// key still in use, or a key that appeared while a CreateAccessKey's outcome was unknown. A dismissed key stays
// quiet; a flag raised once is not raised (or announced) again.
import type { FlaggedKey } from "../engine/face.js";
import { emit, type RotationDeps, type RotationRun } from "./context.js";

export async function flagKey(
  deps: RotationDeps,
  run: RotationRun,
  step: string,
  accessKeyId: string,
  reason: FlaggedKey["reason"]
): Promise<void> {
  if (await deps.flags.isDismissed(accessKeyId)) return; // The operator said no.
  const { flag: stored, created } = await deps.flags.raise({
    account: run.account,
    uin: run.uin,
    accessKeyId,
    reason,
    flaggedAt: deps.clock(),
  });
  if (!created) return;
  deps.log.warn({ account: run.account, uin: run.uin, keyId: accessKeyId, reason }, "key flagged for removal");
  await emit(deps, run, { step, type: "key-flagged", keyId: accessKeyId, detail: reason });
  deps.observer?.keyFlagged?.(stored);
}
