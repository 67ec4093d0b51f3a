// Step 4, create: CreateAccessKey under the limiter. Right before the call it records which keys the user
// holds (the create guard), so that if the answer is lost the next run can tell the new key from everyone
// else's; once the answer is in, the new key's id replaces the guard. Either way a key whose secret never
// reached the vault is found and deleted as an orphan (P1).
import { isCamError } from "../../cam/errors.js";
import { LimiterDeferral } from "../../cam/limiter/gate.js";
import type { AccessKey } from "../../cam/types.js";
import { emit, type InFlightKey, type RotationDeps, type RotationRun } from "./context.js";
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
    else await settleUnknownCreate(deps, run, knownKeyIds);
    // Someone created a key between our listing and our call: make room again.
    if (isCamError(error) && error.kind === "overLimit") return { kind: "full", keys: await deps.cam.listAccessKeys(run.uin) };
    throw error;
  }
  // Best effort: the secret must go on to the vault even if Redis hiccups here. Without these records the key
  // is still told apart by the create guard, recorded above.
  deps.log.info({ account: run.account, uin: run.uin, keyId: created.accessKeyId }, "created new access key");
  await Promise.all([
    deps.progress.recordCreated(run.account, run.uin, created.accessKeyId),
    emit(deps, run, { step: "create", type: "key-created", keyId: created.accessKeyId }),
  ]).catch((error: unknown) => deps.log.warn({ account: run.account, uin: run.uin, keyId: created.accessKeyId,
    error: String(error) }, "could not record the new key id; continuing to the vault"));
  return { kind: "created", key: { accessKeyId: created.accessKeyId, createTime: created.createTime,
    secretAccessKey: created.secretAccessKey } };
}

/**
 * The answer was lost (timeout, reset): look at once whether a key appeared, rather than leave the guard to
 * claim, hours later, a key an operator adds in between (P3). One newcomer is ours and is recorded by id, so
 * the next run deletes it as an orphan; none, after CAM's listing lag, means the create did not happen. If the listing fails too, or
 * shows more than one newcomer, the guard stays and reconcile decides.
 */
async function settleUnknownCreate(deps: RotationDeps, run: RotationRun, knownKeyIds: string[]): Promise<void> {
  try {
    const newcomers = await newcomersAfterListingLag(deps, run, knownKeyIds);
    if (newcomers.length === 0) await deps.progress.forgetNewKey(run.account, run.uin);
    else if (newcomers.length === 1) await deps.progress.recordCreated(run.account, run.uin, newcomers[0]!.accessKeyId);
  } catch (error) {
    deps.log.warn({ account: run.account, uin: run.uin, error: String(error) },
      "could not list keys after a lost CreateAccessKey answer; the create guard stays for the next run");
  }
}

/** Errors after which CreateAccessKey certainly made no key (unlike a timeout or a dropped connection). */
function refusedOutright(error: unknown): boolean {
  if (error instanceof LimiterDeferral) return true;
  return isCamError(error) && ["overLimit", "auth", "invalid", "notFound", "throttled"].includes(error.kind);
}
