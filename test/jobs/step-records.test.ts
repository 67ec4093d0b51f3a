// Where a rotation records its step (issue 16): in the progress record, where `status` reads it for an active
// rotation, and not in BullMQ's job progress, whose every write is a Lua script and a queue event; BullMQ's progress
// is written only for deferred and parked jobs, which read it back.
import { afterAll, describe, expect, it } from "vitest";
import { ROTATE_STEPS, type RotateStep } from "../../src/jobs/queue.js";
import { ACCOUNT, createRig, scanRigs, USER_UIN } from "../support/harness.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

describe("step records", () => {
  it("a rotation's steps show in status from the progress record, and BullMQ's job progress is never written", async () => {
    const seen: Array<Promise<{ step: RotateStep; jobProgress: string | null; statusStep: string | undefined }>> = [];
    let probe: (
      step: RotateStep
    ) => Promise<{ step: RotateStep; jobProgress: string | null; statusStep: string | undefined }> = () =>
      Promise.reject(new Error("no rig yet"));
    const rig = await createRig({
      seams: {
        afterStep: (step) => {
          seen.push(probe(step));
        },
      },
    });
    const jobKey = `${rig.prefix}:rotations:rotate-${ACCOUNT}-${USER_UIN}`;
    probe = async (step) => {
      // Sent now, before the next step writes anything.
      const [jobProgress, status] = await Promise.all([rig.redis.hget(jobKey, "progress"), rig.engine.status()]);
      return { step, jobProgress, statusStep: status.active.find((job) => job.name === "rotate")?.step };
    };
    try {
      expect((await rig.rotate()).kind).toBe("rotated");
      const probes = await Promise.all(seen);
      // status is several round trips, so a probe may see a later step; each it sees is a rotate step under way.
      const shown = probes.map((probe) => probe.statusStep).filter((step) => step !== undefined);
      expect(shown.length).toBeGreaterThan(0);
      for (const step of shown) expect(ROTATE_STEPS).toContain(step);
      for (const { jobProgress } of probes) expect(jobProgress === null || jobProgress === "0").toBe(true);
    } finally {
      await rig.close();
    }
  });
});
