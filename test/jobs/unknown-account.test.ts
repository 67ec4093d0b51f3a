// Item 9 of issue 15: in a fleet whose configs differ (a rolling deploy adding an account), a daemon that lacks
// the job's account hands the job back, delayed and without using an attempt, and alerts (log and metric
// hook); a daemon that has the account then runs it to the end.
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { createRotationEngine } from "../../src/jobs/engine/create-engine.js";
import { jobIds } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/log.js";
import { TEST_TUNING } from "../support/rig-constants.js";
import { ACCOUNT, createRig, eventually, scanRigs, USER_UIN } from "../support/harness.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

describe("a job for an account this daemon's config lacks", () => {
  it("is handed back (delayed, no attempt used, not failed) with an alert; a daemon that has the account runs it", async () => {
    const rig = await createRig({ worker: false });
    // The older daemon: same Redis and prefix, but its config knows only another account.
    const accounts = rig.rawConfig.accounts as Array<Record<string, unknown>>;
    const olderConfig = parseConfig(
      { ...rig.rawConfig, accounts: [{ ...accounts[0], name: "older" }] },
      "older daemon",
      {}
    );
    const alerts: string[] = [];
    const logs: string[] = [];
    const older = createRotationEngine({
      config: olderConfig,
      connection: rig.redis,
      vault: rig.vault,
      camFor: () => rig.cam,
      log: createLogger(
        { level: "info", name: "older" },
        new Writable({
          write(chunk, _encoding, done) {
            logs.push(String(chunk));
            done();
          },
        })
      ),
      observer: { unknownAccount: (account, jobName) => alerts.push(`${account}/${jobName}`) },
      tuning: TEST_TUNING,
    });
    const olderWorker = older.startWorker({ concurrency: 1 });
    try {
      const jobId = jobIds.rotate(ACCOUNT, USER_UIN);
      await rig.engine.enqueueRotation({ account: ACCOUNT, uin: USER_UIN, force: true });
      await eventually(async () => alerts.length > 0 || undefined, 10_000, "the older daemon to hand the job back");
      await olderWorker.close(5_000);
      expect(alerts).toEqual([`${ACCOUNT}/rotate`]);
      expect(logs.join("")).toMatch(/not configured for: handed back/);
      const job = (await rig.queue.getJob(jobId))!;
      expect(await job.getState()).toBe("delayed");
      expect(job.attemptsMade).toBe(0);
      expect(job.delay).toBeGreaterThan(30_000);

      // The newer daemon, which has the account, takes it once it is due (promoted here to skip the wait).
      const worker = rig.engine.startWorker({ concurrency: 1 });
      try {
        await job.promote();
        const outcome = await rig.engine.waitForRotation(jobId, undefined, 20_000);
        expect(outcome.kind).toBe("rotated");
        expect(await rig.invariants()).toEqual([]);
      } finally {
        await worker.close(5_000);
      }
    } finally {
      await older.close();
      await rig.close();
    }
  });
});
