// Step 3, make room: CAM allows two keys per user, so with two the non-current one must go first.
// - Our own previous key (AWSPREVIOUS), Inactive (its retirement deactivated it): delete it.
// - Our previous key, still Active, policy "auto": wait (park, unflagged) until its retirement deactivates it.
//   Only the retirement decides that the key is out of use (past deactivateAfter, no reported use allowing for
//   CAM's last-used lag); seconds after promotion "unused since" means nothing. The retire job wakes the rotation.
// - A pre-existing key (held before the rotator's first key, preexisting.ts), policy "retire": as our previous
//   key. Under policy "flag" it is foreign.
// - An operator approved removing it: deactivate and delete it.
// - Anything else (a foreign key, policy "flag-only"): flag it and park (P3). A key already flagged as appeared
//   during a create of unknown outcome keeps that reason.
// The key the vault holds as current is never a candidate (P2).
import type { AccessKey } from "../../cam/types.js";
import type { FlaggedKey } from "../engine/face.js";
import { removeKey } from "../key-removal.js";
import { RotationParked } from "../failures.js";
import { emit, type RotationDeps, type RotationRun, type Snapshot } from "./context.js";
import { flagKey } from "./flag-key.js";
import { rotatedAtOf } from "../../vault/payload-times.js";
import { isPreexisting } from "./preexisting.js";

/** Why a rotation waits for its previous key's retirement (progress, events and `status` show it). */
export const GRACE_REASON = "previous key in grace period";

type Removal =
  | { kind: "remove"; why: string }
  | { kind: "park"; reason: FlaggedKey["reason"] }
  /** Nothing for an operator to decide: the retirement under way ends the wait. */
  | { kind: "await-retirement" };

/** Returns the keys left once there is room for one more. */
export async function makeRoom(deps: RotationDeps, run: RotationRun, snapshot: Snapshot): Promise<AccessKey[]> {
  const { keys, vault } = snapshot;
  await forgetFlagsOfGoneKeys(deps, run, keys);
  if (keys.length < 2) return keys; // Guard: room already.
  const candidate = candidateFor(keys, vault.current?.accessKeyId);
  const decision = await decide(deps, snapshot, candidate);
  switch (decision.kind) {
    case "remove":
      await removeKey(deps.cam, run.uin, candidate);
      await deps.flags.clear(candidate.accessKeyId);
      deps.log.info(
        { account: run.account, uin: run.uin, keyId: candidate.accessKeyId, why: decision.why },
        "removed key to make room"
      );
      await emit(deps, run, {
        step: "makeRoom",
        type: "key-removed",
        keyId: candidate.accessKeyId,
        detail: decision.why,
      });
      return keys.filter((key) => key.accessKeyId !== candidate.accessKeyId);
    case "park":
      await flagKey(deps, run, "makeRoom", candidate.accessKeyId, decision.reason);
      throw new RotationParked(candidate.accessKeyId, decision.reason);
    case "await-retirement":
      await ensureRetirement(deps, run, snapshot, candidate.accessKeyId);
      throw new RotationParked(candidate.accessKeyId, GRACE_REASON);
    default: {
      const unreachable: never = decision;
      throw new Error(`unhandled removal decision ${JSON.stringify(unreachable)}`);
    }
  }
}

/** The key that is not current; with no current key in the vault (first rotation), the older one. */
function candidateFor(keys: AccessKey[], currentKeyId: string | undefined): AccessKey {
  const others = keys.filter((key) => key.accessKeyId !== currentKeyId);
  // Oldest first; ties (CreateTime has whole seconds) fall back to the id for a stable choice.
  return [...others].sort((a, b) => a.createdAt - b.createdAt || a.accessKeyId.localeCompare(b.accessKeyId))[0]!;
}

async function decide(deps: RotationDeps, snapshot: Snapshot, candidate: AccessKey): Promise<Removal> {
  const flagged = await deps.flags.get(candidate.accessKeyId);
  if (flagged?.status === "approved") return { kind: "remove", why: "removal approved by an operator" };
  const retiredPreexisting =
    deps.account.preexistingKeys === "retire" && isPreexisting(snapshot.progress, candidate.accessKeyId);
  if (snapshot.vault.previous?.accessKeyId !== candidate.accessKeyId && !retiredPreexisting) {
    return { kind: "park", reason: flagged?.reason === "unproven-create" ? "unproven-create" : "foreign-key" };
  }
  if (candidate.status === "Inactive") {
    return {
      kind: "remove",
      why: retiredPreexisting ? "a pre-existing key, already Inactive" : "our previous key, already Inactive",
    };
  }
  if (deps.account.overLimit === "flag-only") return { kind: "park", reason: "flag-only-policy" };
  return { kind: "await-retirement" };
}

/**
 * The wait ends with the key's retirement, so there must be one: normally the rotation that replaced the key
 * scheduled it (then this is a no-op, the job id being the same); after a lost Redis it is scheduled anew.
 * Retired since: the replacing rotation's record (or, for a pre-existing key, the first promotion), else the current version's RotatedAt (a little before
 * promotion: the safe side), else now.
 */
async function ensureRetirement(
  deps: RotationDeps,
  run: RotationRun,
  snapshot: Snapshot,
  keyId: string
): Promise<void> {
  const { last, preexisting } = snapshot.progress;
  let retiredAt = last?.previousKeyId === keyId ? last.rotatedAt : Number.NaN;
  if (!Number.isFinite(retiredAt) && preexisting?.keyIds.includes(keyId)) retiredAt = preexisting.since;
  if (!Number.isFinite(retiredAt)) {
    const current = await deps.vault.readCurrent(run.ref);
    retiredAt = (current ? rotatedAtOf(current.value) : null) ?? deps.clock();
  }
  await deps.retirements.schedule(
    { account: run.account, uin: run.uin, accessKeyId: keyId, phase: "deactivate", retiredAt },
    deps.account.retire.deactivateAfter
  );
}

/** Flags (and dismissals) of this user's keys that are gone (removed by someone) are moot. */
async function forgetFlagsOfGoneKeys(deps: RotationDeps, run: RotationRun, keys: AccessKey[]): Promise<void> {
  const present = new Set(keys.map((key) => key.accessKeyId));
  for (const stale of (await deps.flags.keyIdsOf(run.account, run.uin)).filter((id) => !present.has(id))) {
    await deps.flags.clear(stale);
  }
}
