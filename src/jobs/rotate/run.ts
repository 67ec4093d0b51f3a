// The rotate protocol end to end (docs/design.md, "The rotation protocol"). Each step checks before it acts and
// runs inside `step` (steps.ts), which tells the hooks when it starts and finishes (job progress, events, metrics)
// and stops the run at a step boundary when the worker shuts down, never between create and stage.
import type { RotationOutcome } from "../engine/face.js";
import { RotationError } from "../failures.js";
import type { InFlightKey, RotationDeps, RotationRun, Snapshot } from "./context.js";
import { create } from "./create.js";
import { inspect } from "./inspect.js";
import { makeRoom } from "./make-room.js";
import { promote, type Promotion } from "./promote.js";
import { reconcile } from "./reconcile.js";
import { scheduleRetirement } from "./schedule-retirement.js";
import { stage } from "./stage.js";
import { handOffDeadline } from "./hand-off.js";
import { stepRunner, type RunStep, type StepHooks } from "./steps.js";
import { verify } from "./verify.js";

/** Make-room and create go round again when another actor fills the user's second slot in between. */
const ROOM_ROUNDS = 3;

export async function rotateUser(deps: RotationDeps, run: RotationRun, hooks: StepHooks): Promise<RotationOutcome> {
  const who = { account: run.account, uin: run.uin };
  const step = stepRunner(deps, run, hooks);
  const inspection = await step("inspect", () => inspect(deps, run));
  switch (inspection.kind) {
    case "alreadyDone":
      return {
        kind: "rotated",
        ...who,
        newKeyId: inspection.last.newKeyId,
        previousKeyId: inspection.last.previousKeyId,
      };
    case "notDue":
      return { kind: "skipped", ...who, reason: inspection.reason };
    case "ready":
      break;
    default: {
      const unreachable: never = inspection;
      throw new Error(`unhandled inspection ${JSON.stringify(unreachable)}`);
    }
  }

  const { snapshot, resume } = await step("reconcile", () => reconcile(deps, run, inspection.snapshot));
  const attempt = snapshot.progress.attempt;
  if (!attempt) throw new RotationError("transient", "no attempt recorded after inspect; retrying");

  let newKeyId: string;
  let promotion: Promotion;
  if (resume.kind === "retire") {
    newKeyId = resume.newKeyId;
    promotion = {
      oldKeyId: attempt.oldKeyId ?? snapshot.vault.previous?.accessKeyId ?? null,
      promotedAt: attempt.promotedAt ?? deps.clock(),
    };
  } else {
    const key = resume.kind === "verify" ? resume.key : await makeRoomAndCreate(deps, run, snapshot, step);
    if (resume.kind === "fresh") await step("stage", () => stage(deps, run, attempt.attemptId, key, snapshot.vault));
    await step("verify", () => verify(deps, run, key));
    promotion = await step("promote", () => promote(deps, run, snapshot, key));
    newKeyId = key.accessKeyId;
  }

  const last = await step("scheduleRetirement", () => scheduleRetirement(deps, run, newKeyId, promotion));
  return { kind: "rotated", ...who, newKeyId: last.newKeyId, previousKeyId: last.previousKeyId };
}

async function makeRoomAndCreate(
  deps: RotationDeps,
  run: RotationRun,
  snapshot: Snapshot,
  step: RunStep
): Promise<InFlightKey> {
  let keys = snapshot.keys;
  for (let round = 1; ; round++) {
    await step("makeRoom", () => makeRoom(deps, run, { ...snapshot, keys }));
    // A created key's secret is in memory only: the run holds it until stage has put it in the vault (P1).
    const creation = await step(
      "create",
      () => create(deps, run),
      (created) => (created.kind === "created" ? (created.key.handOffBy ?? handOffDeadline()) : undefined)
    );
    if (creation.kind === "created") return creation.key;
    if (round >= ROOM_ROUNDS) {
      throw new RotationError(
        "transient",
        `user still holds two keys after ${ROOM_ROUNDS} rounds of making room; another actor keeps adding keys`
      );
    }
    keys = creation.keys;
  }
}
