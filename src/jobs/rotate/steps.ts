// One rotate step between its hooks, and the two rules about step boundaries:
// - a worker that is shutting down stops the run at the next boundary (the job goes back to the queue);
// - never between create and stage: while a new key's secret is in memory only, the run does not stop, and the
//   hooks' Redis writes wait no later than its hand-off deadline (hand-off.ts), so the secret reaches the vault (P1).
import type { RotateStep } from "../queue.js";
import type { RotationDeps, RotationRun } from "./context.js";
import { boundedBeforeVault } from "./hand-off.js";

export interface StepHooks {
  /** A step starts (job progress). */
  begin(step: RotateStep): Promise<void>;
  /** A step finished (progress record, event). */
  done(step: RotateStep): Promise<void>;
  /** Whether the worker is shutting down. */
  stopping(): boolean;
}

/** Thrown at a step boundary when the worker is shutting down: the job goes back to the queue. */
export class RunStopping extends Error {
  override readonly name = "RunStopping";
}

/**
 * Runs `body` as `step`. `holdsSecretUntil` says, from the step's result, until when (epoch ms) a new secret is held
 * in memory only; the next step's start is then bounded by that deadline and is no place to stop.
 */
export type RunStep = <T>(
  step: RotateStep,
  body: () => Promise<T>,
  holdsSecretUntil?: (result: T) => number | undefined
) => Promise<T>;

export function stepRunner(deps: RotationDeps, run: RotationRun, hooks: StepHooks): RunStep {
  let holding: number | undefined;
  const hear = (step: RotateStep, write: Promise<void>, by: number | undefined) =>
    by === undefined ? write : boundedBeforeVault(deps, run, `the ${step} step`, write, by);
  return async (step, body, holdsSecretUntil) => {
    if (holding === undefined && hooks.stopping()) throw new RunStopping("worker is shutting down");
    await hear(step, hooks.begin(step), holding);
    const result = await body();
    holding = holdsSecretUntil?.(result);
    await hear(step, hooks.done(step), holding);
    return result;
  };
}
