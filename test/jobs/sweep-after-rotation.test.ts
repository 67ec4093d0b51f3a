// The planning tags from end to end: a real rotation through the engine against moto leaves tags that the sweep
// plans from, with no secret value read and the right age. The tag's writer (promote) and its reader (planSweep)
// once disagreed on the time format (ISO vs epoch ms) without any test noticing; this one reads what promote wrote.
import { DAY_MS } from "../../src/config/index.js";
import { afterAll, describe, expect, inject, it } from "vitest";
import { planSweep } from "../../src/jobs/sweep.js";
import { ACCOUNT, createRig, scanRigs, USER_UIN } from "../support/harness.js";
import { countingVaultClient } from "../support/vault-calls.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

describe("sweep planning after a real rotation", () => {
  it("plans the rotated user from the tags promote wrote: no value read, age from the rotation time", async () => {
    const counter = countingVaultClient(inject("motoUrl"));
    const rig = await createRig({ vaultClient: counter.client, account: { maxKeyAgeDays: 90 } });
    try {
      const outcome = await rig.rotate(USER_UIN, { force: true });
      expect(outcome.kind).toBe("rotated");
      if (outcome.kind !== "rotated") return;
      const rotatedBy = Date.now();

      counter.reset();
      const [fresh] = await rig.engine.planSweep(ACCOUNT);
      expect(fresh).toMatchObject({ uin: USER_UIN, due: false, currentKeyId: outcome.newKeyId, currentKeyAgeDays: 0 });
      expect(counter.calls().ListSecrets).toBeGreaterThanOrEqual(1);
      expect(counter.calls().GetSecretValue ?? 0).toBe(0);

      // The same tags 91 days on (limit 90), and 2 days on with a 1-day limit: due, still without a value read.
      const account = rig.config.accounts[0]!;
      const deps = (maxKeyAgeDays: number, clock: () => number) => ({
        cam: rig.cam,
        vault: rig.vault,
        account: { ...account, maxKeyAgeDays },
        clock,
        rotationQueued: async () => false,
      });
      counter.reset();
      const [later] = await planSweep(deps(90, () => rotatedBy + 91 * DAY_MS));
      expect(later).toMatchObject({ uin: USER_UIN, due: true, currentKeyId: outcome.newKeyId, currentKeyAgeDays: 91 });
      const [strict] = await planSweep(deps(1, () => rotatedBy + 2 * DAY_MS));
      expect(strict).toMatchObject({ uin: USER_UIN, due: true, currentKeyAgeDays: 2 });
      expect(counter.calls().GetSecretValue ?? 0).toBe(0);
    } finally {
      await rig.close();
      counter.client.destroy();
    }
  });
});
