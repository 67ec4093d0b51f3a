// CAM may list a new key late: it can take seconds after CreateAccessKey answered before ListAccessKeys shows
// it (issue 11, section 4). A listing taken right after a create is therefore no proof that no key was made.
import type { AccessKey } from "../../cam/types.js";
import type { RotationDeps, RotationRun } from "./context.js";

/** Pauses between listings while a key CAM may not list yet is looked for; about 4 s in all. */
export const LISTING_LAG_PAUSES_MS = [250, 500, 1_000, 2_000] as const;

/**
 * The keys outside `knownKeyIds`, listing again after each pause while there are none: a create whose answer
 * was lost is taken as "no key made" only when the key has had a few seconds to show up.
 */
export async function newcomersAfterListingLag(
  deps: RotationDeps,
  run: RotationRun,
  knownKeyIds: string[]
): Promise<AccessKey[]> {
  for (let round = 0; ; round++) {
    const newcomers = (await deps.cam.listAccessKeys(run.uin)).filter((key) => !knownKeyIds.includes(key.accessKeyId));
    const pause = LISTING_LAG_PAUSES_MS[round];
    if (newcomers.length > 0 || pause === undefined) return newcomers;
    await deps.sleep(pause);
  }
}
