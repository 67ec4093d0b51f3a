// A crash at every step boundary: a worker process told to crash after <step> kills itself with SIGKILL
// right after that step; a worker started afterwards must converge, and the invariants the chaos suite uses hold.
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROTATE_STEPS } from "../../src/jobs/queue.js";
import { ACCOUNT, createRig, scanRigs, USER_UIN } from "../support/harness.js";
import { collectWorkerSecrets, runWorkerProcess } from "../support/run-worker-process.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.keysRead).toBeGreaterThan(0);
  expect(report.hits).toEqual([]);
});

describe.concurrent("a SIGKILL at every step boundary, then a restart", () => {
  for (const step of ROTATE_STEPS) {
    it(`converges after a crash right after ${step}`, { timeout: 60_000 }, async () => {
      const rig = await createRig({ worker: false });
      const secretsFile = join(tmpdir(), `cam-rotator-crash-${randomUUID()}`);
      try {
        const oldKey = rig.seeded[0]!;
        const { jobId } = await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
        const exit = await runWorkerProcess(rig, { crashAfter: step }, secretsFile);
        expect(exit.signal).toBe("SIGKILL");
        const progress = await rig.redis.hget(`${rig.prefix}:rotator:progress:${ACCOUNT}:${USER_UIN}`, "step");
        expect(progress).toBe(step);

        const worker = rig.engine.startWorker({ concurrency: 1 });
        try {
          const outcome = await rig.engine.waitForRotation(jobId, undefined, 30_000);
          expect(outcome).toMatchObject({ kind: "rotated", previousKeyId: oldKey.accessKeyId });
          if (outcome.kind !== "rotated") return;
          expect(await rig.invariants()).toEqual([]);
          const keys = (await rig.keysOf()).map((key) => key.accessKeyId).sort();
          expect(keys).toEqual([oldKey.accessKeyId, outcome.newKeyId].sort());
          const vault = await rig.vault.describe(rig.ref());
          expect(vault).toMatchObject({
            current: { accessKeyId: outcome.newKeyId },
            previous: { accessKeyId: oldKey.accessKeyId },
          });
          expect(vault.pending).toBeUndefined();
          if (step === "create") {
            // The first key's secret died with the process: it was found as an orphan and deleted.
            const events = await rig.engine.readEvents({ count: 500 });
            expect(events.filter((event) => event.type === "orphan-deleted")).toHaveLength(1);
          }
        } finally {
          await worker.close(5_000);
        }
      } finally {
        collectWorkerSecrets(rig, secretsFile);
        await rig.close();
      }
    });
  }
});
