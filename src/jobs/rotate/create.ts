// Step 4, create: CreateAccessKey under the limiter. Right before the call it records which keys the user
// holds (the create guard), so that if the answer is lost the rotator can tell a newcomer from the keys it knew;
// once the answer is in, the new key's id replaces the guard. A key recorded by id whose secret never reached
// the vault is deleted as an orphan (P1). A newcomer the rotator cannot prove it created (the call timed out, or
// a gateway answered 503, and someone else may have added a key meanwhile) is flagged, never deleted (P3).
import { isCamError, isCreatedWithoutKey } from "../../cam/errors.js";
import { CamDeferral, type AccessKey } from "../../cam/types.js";
import { emit, type InFlightKey, type RotationDeps, type RotationRun } from "./context.js";
import { flagKey } from "./flag-key.js";
import { boundedBeforeVault, handOffDeadline } from "./hand-off.js";
import { newcomersAfterListingLag } from "./listing-lag.js";

export type Creation = { kind: "created"; key: InFlightKey } | { kind: "full"; keys: AccessKey[] };

export async function create(deps: RotationDeps, run: RotationRun): Promise<Creation> {
  // A fresh listing: make-room's view may be seconds old, and another actor may have added a key since.
  const keys = await deps.cam.listAccessKeys(run.uin);
  if (keys.length >= 2) return { kind: "full", keys };
  const knownKeyIds = keys.map((key) => key.accessKeyId);
  await deps.progress.guardCreate(run.account, run.uin, { knownKeyIds, startedAt: deps.clock() });
  let created;
  try {
    created = await deps.cam.createAccessKey(run.uin);
  } catch (error) {
    // CAM (or our own limiter) refused outright: no key exists, so the guard must not outlive this call, or a
    // key someone else adds later could be taken for ours.
    if (refusedOutright(error)) await deps.progress.forgetNewKey(run.account, run.uin);
    else await settleUnanswered(deps, run, knownKeyIds, isCreatedWithoutKey(error));
    // Someone created a key between our listing and our call: make room again.
    if (isCamError(error) && error.kind === "overLimit")
      return { kind: "full", keys: await deps.cam.listAccessKeys(run.uin) };
    throw error;
  }
  // Bounded: the secret must reach the vault even if Redis is slow or paused here (hand-off.ts). Without these
  // records the key is still told apart by the create guard, recorded above, and the vault's pending version.
  const handOffBy = handOffDeadline();
  deps.log.info({ account: run.account, uin: run.uin, keyId: created.accessKeyId }, "created new access key");
  await boundedBeforeVault(
    deps,
    run,
    "the new key id",
    Promise.all([
      deps.progress.recordCreated(run.account, run.uin, created.accessKeyId),
      emit(deps, run, { step: "create", type: "key-created", keyId: created.accessKeyId }),
    ]),
    handOffBy
  );
  return {
    kind: "created",
    key: {
      accessKeyId: created.accessKeyId,
      createdAt: created.createdAt,
      secretAccessKey: created.secretAccessKey,
      handOffBy,
    },
  };
}

/**
 * CreateAccessKey gave no usable answer: list at once and settle what appeared, rather than leave the guard to
 * decide later (P3).
 * - `created` (CAM answered SUCCESS with `AccessKey: null`): a key was made. Exactly one newcomer is provably it
 *   and is recorded by id, so reconcile deletes it as an orphan whose secret was never seen (P1).
 * - Otherwise (timeout, reset, gateway 503): whether a key was made is unknown, and a newcomer may be an
 *   operator's: it is flagged, never deleted unapproved. So is every newcomer when there is more than one.
 * No newcomer, after CAM's listing lag (listing-lag.ts): the guard is forgotten (nothing of ours to find). If the listing fails the guard stays, and
 * reconcile flags what it matches; a guard never licenses a deletion.
 */
async function settleUnanswered(
  deps: RotationDeps,
  run: RotationRun,
  knownKeyIds: string[],
  created: boolean
): Promise<void> {
  let newcomers;
  try {
    newcomers = await newcomersAfterListingLag(deps, run, knownKeyIds);
  } catch (error) {
    deps.log.warn(
      { account: run.account, uin: run.uin, error: String(error) },
      "could not list keys after an unanswered CreateAccessKey; the next run flags any newcomer"
    );
    return;
  }
  if (created && newcomers.length === 1)
    return deps.progress.recordCreated(run.account, run.uin, newcomers[0]!.accessKeyId);
  for (const newcomer of newcomers) await flagKey(deps, run, "create", newcomer.accessKeyId, "unproven-create");
  await deps.progress.forgetNewKey(run.account, run.uin);
}

/** Errors after which CreateAccessKey certainly made no key (unlike a timeout or a dropped connection). */
function refusedOutright(error: unknown): boolean {
  if (error instanceof CamDeferral) return true;
  return isCamError(error) && ["overLimit", "auth", "invalid", "notFound", "throttled"].includes(error.kind);
}
