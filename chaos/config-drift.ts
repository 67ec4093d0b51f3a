// The chaos fault "config drift between replicas": one worker is killed and comes back with another vault name
// template (a replica whose config changed across a restart, or that was deployed with another one), stays a
// while, then is stopped and restarted with the fleet's config. While it runs, the fleet check must keep every
// worker from acting, and no run may delete a key on the strength of a vault that is not its attempt's: the
// iteration's usual checks (every rotation ends rotated; no current key deactivated or deleted) apply, and the
// drifted vault must have received nothing.
import { setTimeout as sleep } from "node:timers/promises";
import { createVault } from "../src/vault/index.js";
import type { Random } from "./random.js";
import type { ChaosWorld } from "./world.js";

export const DRIFTED_NAME_TEMPLATE = "chaos-drift/{account}/{uin}";

/** Runs the drift on a live slot that no other disruption holds; false when there was none to take. */
export async function driftOneWorker(world: ChaosWorld, random: Random, busy: Set<number>): Promise<boolean> {
  const { workers } = world;
  const candidates = Array.from({ length: workers.size }, (_, slot) => slot).filter(
    (slot) => !busy.has(slot) && workers.alive(slot)
  );
  if (candidates.length === 0) return false;
  const slot = random.pick(candidates);
  busy.add(slot);
  try {
    await workers.kill(slot);
    await workers.restart(slot, driftedConfig(world.rawConfig));
    await sleep(random.int(1_000, 3_000));
    await workers.stopSlot(slot);
    await workers.restart(slot);
  } finally {
    busy.delete(slot);
  }
  return true;
}

/** Violations when the drifted vault holds a secret for any of `uins`: a drifted worker acted. */
export async function driftedVaultViolations(world: ChaosWorld, uins: number[]): Promise<string[]> {
  if (world.config.vault.type !== "aws-secrets-manager") return [];
  const vault = await createVault({ ...world.config.vault, nameTemplate: DRIFTED_NAME_TEMPLATE });
  try {
    const held: string[] = [];
    for (const uin of uins) {
      if ((await vault.describe({ account: world.account.name, uin })).exists)
        held.push(
          `${world.account.name}/${uin}: a worker with a drifted vault config wrote a secret to ${vault.identity({ account: world.account.name, uin })}`
        );
    }
    return held;
  } finally {
    await vault.close();
  }
}

function driftedConfig(raw: Record<string, unknown>): Record<string, unknown> {
  return { ...raw, vault: { ...(raw.vault as Record<string, unknown>), nameTemplate: DRIFTED_NAME_TEMPLATE } };
}
