// How the AWS adapter reads a secret's staging labels.
//
// AWS (and moto) attach AWSCURRENT to the first version a secret ever gets, whatever VersionStages says. A first
// rotation would then make an unverified key current before `promote`. So the adapter creates every secret with
// a placeholder first version (a fixed, non-credential value under a deterministic version id): it takes the
// automatic AWSCURRENT, and the real first key is staged as a second version that carries AWSPENDING only.
// The placeholder is never reported: no current before the first promote, and no previous after it.
import type { VaultStage } from "./port.js";
import { placeholderToken } from "./tokens.js";

/** What consumers reading AWSCURRENT see before the first promote: obviously not a credential. */
export const PLACEHOLDER_VALUE = JSON.stringify({
  "managed-by": "cam-rotator",
  placeholder: "no CAM access key has been promoted to this secret yet",
});

export const STAGES: readonly VaultStage[] = ["AWSCURRENT", "AWSPENDING", "AWSPREVIOUS"];

export interface SecretState {
  name: string;
  /** Version id to its labels, as DescribeSecret reports them (AWS may omit unlabelled versions). */
  versions: ReadonlyMap<string, readonly string[]>;
  /** The version holding each label, placeholder included. */
  holders: Partial<Record<VaultStage, string>>;
  placeholderId: string;
}

export type StagesResult = { ok: true; state: SecretState } | { ok: false; problem: string };

export function readStages(name: string, versionIdsToStages: Record<string, string[]> | undefined): StagesResult {
  const versions = new Map(Object.entries(versionIdsToStages ?? {}));
  const holders: Partial<Record<VaultStage, string>> = {};
  for (const stage of STAGES) {
    const ids = [...versions].filter(([, labels]) => labels.includes(stage)).map(([id]) => id);
    // moto can leave a label on two versions; guessing which one is meant could promote or retire the wrong key.
    if (ids.length > 1)
      return { ok: false, problem: `label ${stage} is on ${ids.length} versions (${ids.join(", ")})` };
    if (ids[0] !== undefined) holders[stage] = ids[0];
  }
  return { ok: true, state: { name, versions, holders, placeholderId: placeholderToken(name) } };
}

/** The version holding `stage`, unless it is the placeholder. */
export function realHolder(state: SecretState, stage: VaultStage): string | undefined {
  const id = state.holders[stage];
  return id === state.placeholderId ? undefined : id;
}

export function hasLabel(state: SecretState, versionId: string, stage: VaultStage): boolean {
  return state.versions.get(versionId)?.includes(stage) ?? false;
}
