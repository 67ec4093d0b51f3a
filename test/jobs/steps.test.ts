// The rotate step wrapper (rotate/steps.ts): the rules about step boundaries that used to be spread over run.ts and
// the BullMQ adapter. A worker that is shutting down stops the run at the next boundary, but never between create
// and stage while the new secret is in memory only; there the hooks' writes wait no later than the hand-off deadline.
import { describe, expect, it } from "vitest";
import type { RotationDeps, RotationRun } from "../../src/jobs/rotate/context.js";
import { RunStopping, stepRunner, type StepHooks } from "../../src/jobs/rotate/steps.js";
import type { RotateStep } from "../../src/jobs/queue.js";
import { silentLogger } from "../../src/log.js";

const run: RotationRun = {
  account: "main",
  uin: 1,
  ref: { account: "main", uin: 1 },
  runId: "rotate-main-1@1",
  force: true,
};
// Only the log is used by the wrapper (for a slow hand-off); nothing else is reached.
const deps = { log: silentLogger } as unknown as RotationDeps;

const SLOW_MS = 2_000;

/** Hooks that record what they hear; the writes named in `slow` take SLOW_MS (a slow Redis). */
function recordingHooks(stopping: () => boolean, slow: string[] = []): StepHooks & { heard: string[] } {
  const heard: string[] = [];
  const write = (entry: string) => {
    heard.push(entry);
    return slow.includes(entry) ? new Promise<void>((resolve) => setTimeout(resolve, SLOW_MS)) : Promise.resolve();
  };
  return { heard, begin: (step) => write(`begin ${step}`), done: (step) => write(`done ${step}`), stopping };
}

describe("stepRunner", () => {
  it("runs each step between its hooks", async () => {
    const hooks = recordingHooks(() => false);
    const step = stepRunner(deps, run, hooks);
    expect(await step("inspect", async () => 7)).toBe(7);
    expect(hooks.heard).toEqual(["begin inspect", "done inspect"]);
  });

  it("stops at the next step boundary once the worker is shutting down", async () => {
    let stopping = false;
    const hooks = recordingHooks(() => stopping);
    const step = stepRunner(deps, run, hooks);
    await step("inspect", async () => undefined);
    stopping = true;
    await expect(step("reconcile", async () => undefined)).rejects.toBeInstanceOf(RunStopping);
    expect(hooks.heard).toEqual(["begin inspect", "done inspect"]);
  });

  it("never stops between create and stage: with a secret in memory, stage runs, then the run stops", async () => {
    let stopping = false;
    const hooks = recordingHooks(() => stopping);
    const step = stepRunner(deps, run, hooks);
    const ran: RotateStep[] = [];
    await step(
      "create",
      async () => {
        ran.push("create");
        stopping = true; // The shutdown arrives while CreateAccessKey is answering.
        return { handOffBy: Date.now() + 250 };
      },
      (created) => created.handOffBy
    );
    await step("stage", async () => {
      ran.push("stage");
    });
    await expect(
      step("verify", async () => {
        ran.push("verify");
      })
    ).rejects.toBeInstanceOf(RunStopping);
    expect(ran).toEqual(["create", "stage"]);
  });

  it("while a secret is in memory, waits for the hooks' writes no later than its hand-off deadline", async () => {
    const hooks = recordingHooks(() => false, ["done create", "begin stage", "done stage"]);
    const step = stepRunner(deps, run, hooks);
    const started = Date.now();
    await step(
      "create",
      async () => ({ handOffBy: Date.now() + 200 }),
      (created) => created.handOffBy
    );
    await step("stage", async () => undefined);
    const elapsed = Date.now() - started;
    // create's done and stage's begin were cut at the deadline; stage's done (the secret is in the vault) was awaited.
    expect(elapsed).toBeGreaterThanOrEqual(SLOW_MS);
    expect(elapsed).toBeLessThan(2 * SLOW_MS); // Unbounded, the three slow writes would take 3 * SLOW_MS.
    expect(hooks.heard).toEqual(["begin create", "done create", "begin stage", "done stage"]);
  });
});
