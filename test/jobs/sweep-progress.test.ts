// A running sweep job shows how far its plan has got in `status` (the job's step), and its end in the event.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ACCOUNT, createRig, eventually, USER_UIN } from "../support/harness.js";

describe("sweep progress", () => {
  it("is visible in status while the sweep job plans", async () => {
    const uins = [USER_UIN, USER_UIN + 1, USER_UIN + 2];
    // A slow vault keeps the sweep job running long enough to be seen: its listing carries no planning metadata (as
    // for secrets written before it existed), so each user is planned from a slow read of its value.
    const rig = await createRig({
      users: uins.map((uin) => ({ uin, keys: [{}] })),
      account: { maxKeyAgeDays: 100_000 },
      wrapVault: (vault) => ({
        ...vault,
        kind: vault.kind,
        async listMetadata(account, token) {
          await sleep(300);
          const page = await vault.listMetadata(account, token);
          return { ...page, entries: page.entries.map(({ planning: _planning, ...entry }) => entry) };
        },
        async readCurrent(ref) {
          await sleep(700);
          return vault.readCurrent(ref);
        },
      }),
    });
    try {
      await rig.engine.enqueueSweep(ACCOUNT, 1_700_000_000_000);
      const seen = new Set<string>();
      await eventually(
        async () => {
          for (const job of (await rig.engine.status()).active)
            if (job.name === "sweep" && job.step) seen.add(job.step);
          const done = (await rig.engine.readEvents({ count: 100 })).find((event) => event.type === "sweep-done");
          return done ? true : undefined;
        },
        20_000,
        "the sweep to finish"
      );
      expect(
        [...seen].some((step) => /^planning [0-3]\/3$/.test(step)),
        [...seen].join(", ")
      ).toBe(true);
    } finally {
      await rig.close();
    }
  });
});
