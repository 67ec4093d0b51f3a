// Step 3, make room: CAM allows two keys per user, so with two the non-current one must go first.
// - Our own previous key (AWSPREVIOUS), Inactive: delete it.
// - Our previous key, Active, unused since it stopped being current (GetSecurityLastUsed), policy "auto":
//   deactivate and delete it.
// - An operator approved removing it: deactivate and delete it.
// - Anything else (a foreign key, a previous key still in use, policy "flag-only"): flag it and park (P3).
// The key the vault holds as current is never a candidate (P2).
import type { AccessKey } from "../../cam/types.js";
import type { FlaggedKey } from "../engine.js";
import { lastUseOf, removeKey, usedSince } from "../key-removal.js";
import { RotationParked } from "../failures.js";
import { emit, type RotationDeps, type RotationRun, type Snapshot } from "./context.js";

type Removal = { kind: "remove"; why: string } | { kind: "park"; reason: FlaggedKey["reason"] };

/** Returns the keys left once there is room for one more. */
export async function makeRoom(deps: RotationDeps, run: RotationRun, snapshot: Snapshot): Promise<AccessKey[]> {
  const { keys, vault } = snapshot;
  await forgetFlagsOfGoneKeys(deps, run, keys);
  if (keys.length < 2) return keys; // Guard: room already.
  const candidate = candidateFor(keys, vault.current?.accessKeyId);
  const decision = await decide(deps, run, snapshot, candidate);
  switch (decision.kind) {
    case "remove":
      await removeKey(deps.cam, run.uin, candidate);
      await deps.flags.clear(candidate.accessKeyId);
      deps.log.info({ account: run.account, uin: run.uin, keyId: candidate.accessKeyId, why: decision.why }, "removed key to make room");
      await emit(deps, run, { step: "makeRoom", type: "key-removed", keyId: candidate.accessKeyId, detail: decision.why });
      return keys.filter((key) => key.accessKeyId !== candidate.accessKeyId);
    case "park":
      await flag(deps, run, candidate.accessKeyId, decision.reason);
      throw new RotationParked(candidate.accessKeyId, decision.reason);
    default: {
      const unreachable: never = decision;
      throw new Error(`unhandled removal decision ${JSON.stringify(unreachable)}`);
    }
  }
}

/** The key that is not current; with no current key in the vault (first rotation), the older one. */
function candidateFor(keys: AccessKey[], currentKeyId: string | undefined): AccessKey {
  const others = keys.filter((key) => key.accessKeyId !== currentKeyId);
  // CreateTime sorts as text ("YYYY-MM-DD HH:mm:ss"); ties fall back to the id for a stable choice.
  return [...others].sort((a, b) => a.createTime.localeCompare(b.createTime) || a.accessKeyId.localeCompare(b.accessKeyId))[0]!;
}

async function decide(deps: RotationDeps, run: RotationRun, snapshot: Snapshot, candidate: AccessKey): Promise<Removal> {
  const flagged = await deps.flags.get(candidate.accessKeyId);
  if (flagged?.status === "approved") return { kind: "remove", why: "removal approved by an operator" };
  if (snapshot.vault.previous?.accessKeyId !== candidate.accessKeyId) return { kind: "park", reason: "foreign-key" };
  if (candidate.status === "Inactive") return { kind: "remove", why: "our previous key, already Inactive" };
  if (deps.account.overLimit === "flag-only") return { kind: "park", reason: "flag-only-policy" };
  const retiredAt = await retiredAtOf(deps, run, snapshot, candidate.accessKeyId);
  if (retiredAt === null) return { kind: "park", reason: "previous-key-in-use" };
  const lastUse = await lastUseOf(deps.cam, candidate.accessKeyId);
  if (usedSince(lastUse, retiredAt)) return { kind: "park", reason: "previous-key-in-use" };
  return { kind: "remove", why: `our previous key, unused since it stopped being current at ${new Date(retiredAt).toISOString()}` };
}

/**
 * When the previous key stopped being current: recorded by the rotation that replaced it, or else the current
 * version's RotatedAt (written at stage time, a little before promotion, so any use in between counts as use:
 * the safe side). Null when neither is known.
 */
async function retiredAtOf(deps: RotationDeps, run: RotationRun, snapshot: Snapshot, keyId: string): Promise<number | null> {
  const last = snapshot.progress.last;
  if (last?.previousKeyId === keyId && last.newKeyId === snapshot.vault.current?.accessKeyId) return last.rotatedAt;
  const current = await deps.vault.readCurrent(run.ref);
  const rotatedAt = current ? Date.parse(current.value.RotatedAt) : Number.NaN;
  return Number.isFinite(rotatedAt) ? rotatedAt : null;
}

async function flag(deps: RotationDeps, run: RotationRun, accessKeyId: string, reason: FlaggedKey["reason"]): Promise<void> {
  if (await deps.flags.isDismissed(accessKeyId)) return; // The operator said no; stay parked quietly.
  const { flag: stored, created } = await deps.flags.raise({ account: run.account, uin: run.uin, accessKeyId, reason,
    flaggedAt: deps.clock() });
  if (!created) return;
  deps.log.warn({ account: run.account, uin: run.uin, keyId: accessKeyId, reason }, "key flagged for removal; rotation parked");
  await emit(deps, run, { step: "makeRoom", type: "key-flagged", keyId: accessKeyId, detail: reason });
  deps.observer?.keyFlagged?.(stored);
}

/** Flags (and dismissals) of this user's keys that are gone (removed by someone) are moot. */
async function forgetFlagsOfGoneKeys(deps: RotationDeps, run: RotationRun, keys: AccessKey[]): Promise<void> {
  const present = new Set(keys.map((key) => key.accessKeyId));
  for (const stale of (await deps.flags.keyIdsOf(run.account, run.uin)).filter((id) => !present.has(id))) {
    await deps.flags.clear(stale);
  }
}
