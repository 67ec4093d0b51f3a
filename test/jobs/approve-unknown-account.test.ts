// approve-removal validates before it writes (P8): a flag whose account this config does not know (raised by a
// daemon with another config) is refused, and Redis is left exactly as it was.
import { afterAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { createFlagStore } from "../../src/jobs/flags.js";
import { engineKeys } from "../../src/jobs/keys.js";
import { createRecordSigner } from "../../src/jobs/record-mac.js";
import { createRig, scanRigs, USER_UIN } from "../support/harness.js";
import { TEST_RECORD_KEY } from "../support/rig-constants.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

/** Every key under the prefix with its serialized value. */
async function snapshot(redis: Redis, prefix: string): Promise<Map<string, string>> {
  const keys = (await redis.keys(`${prefix}*`)).sort();
  const values = await Promise.all(keys.map(async (key) => (await redis.dumpBuffer(key))?.toString("base64") ?? ""));
  return new Map(keys.map((key, index) => [key, values[index]!]));
}

describe("approve-removal for an account that is not configured", () => {
  it("throws, naming the account, and changes nothing in Redis", async () => {
    const rig = await createRig({ worker: false });
    try {
      await rig.queue.waitUntilReady(); // BullMQ writes its meta key once connected: not ours to count.
      // Signed like the engine's own flags (a daemon with another config raised it), so only the account is wrong.
      const flags = createFlagStore(rig.redis, engineKeys(rig.prefix), createRecordSigner(TEST_RECORD_KEY));
      await flags.raise({
        account: "ghost",
        uin: USER_UIN,
        accessKeyId: "AKIDghostghostghost1",
        reason: "foreign-key",
        flaggedAt: Date.now(),
      });
      const before = await snapshot(rig.redis, rig.prefix);
      await expect(rig.engine.approveRemoval("AKIDghostghostghost1")).rejects.toThrow(
        /account "ghost" is not in the configuration/
      );
      expect(await snapshot(rig.redis, rig.prefix)).toEqual(before);
      expect((await flags.get("AKIDghostghostghost1"))?.status).toBe("pending");
    } finally {
      await rig.close();
    }
  });
});
