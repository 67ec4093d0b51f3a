// The engine's seams (seams.ts), where tests and benchmarks plug in without scaffolding in src/: a hook after each
// recorded rotate step (the crash tests' worker process kills itself there) and the BullMQ worker's options (the
// benchmark's BullMQ-limiter baseline).
import { afterAll, describe, expect, it } from "vitest";
import { ROTATE_STEPS, type RotateStep } from "../../src/jobs/queue.js";
import { ACCOUNT, createRig, eventually, scanRigs, USER_UIN } from "../support/harness.js";

afterAll(async () => {
  const report = await scanRigs();
  expect(report.hits).toEqual([]);
});

describe("engine seams", () => {
  it("afterStep hears each rotate step once, in protocol order, after the step is recorded", async () => {
    const heard: RotateStep[] = [];
    const recorded: Array<Promise<string | null>> = [];
    let progressStep: () => Promise<string | null> = async () => null;
    const rig = await createRig({
      seams: {
        afterStep: (step) => {
          heard.push(step);
          recorded.push(progressStep()); // Sent now, before the next step writes anything.
        },
      },
    });
    progressStep = () => rig.redis.hget(`${rig.prefix}:rotator:progress:${ACCOUNT}:${USER_UIN}`, "step");
    try {
      expect((await rig.rotate()).kind).toBe("rotated");
      expect(heard).toEqual([...ROTATE_STEPS]);
      // The progress record names the step by the time the hook runs (the crash tests rely on it).
      expect(await Promise.all(recorded)).toEqual([...ROTATE_STEPS]);
    } finally {
      await rig.close();
    }
  });

  it("workerOptions adjusts the BullMQ worker's options before it starts", async () => {
    const rig = await createRig({ seams: { workerOptions: (options) => ({ ...options, name: "seam-probe" }) } });
    try {
      const named = await eventually(
        async () => {
          const workers = await rig.queue.getWorkers();
          return workers.some((worker) => String(worker.rawname ?? "").endsWith(":w:seam-probe")) ? true : undefined;
        },
        5_000,
        "the worker under its seam-given name"
      );
      expect(named).toBe(true);
      expect(await rig.engine.workerCount()).toBe(1);
    } finally {
      await rig.close();
    }
  });
});
