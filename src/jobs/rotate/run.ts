// The rotate protocol end to end (architecture.md, "Rotation, step by step"). Each step checks before it acts;
// `hooks` hears each step start and finish (job progress, events, metrics, the crash switch); between create
// and stage they are bounded, so the new secret is not held back from the vault (hand-off.ts).
import type { RotationOutcome } from "../engine.js";
import type { RotateStep } from "../queue.js";
import { RotationError } from "../failures.js";
import type { InFlightKey, RotationDeps, RotationRun, Snapshot } from "./context.js";
import { create } from "./create.js";
import { boundedBeforeVault, handOffDeadline } from "./hand-off.js";
import { inspect } from "./inspect.js";
import { makeRoom } from "./make-room.js";
import { promote, type Promotion } from "./promote.js";
import { reconcile } from "./reconcile.js";
import { scheduleRetirement } from "./schedule-retirement.js";
import { stage } from "./stage.js";
import { verify } from "./verify.js";

export interface StepHooks {
  begin(step: RotateStep): Promise<void>;
  done(step: RotateStep): Promise<void>;
}

/** Make-room and create go round again when another actor fills the user's second slot in between. */
const ROOM_ROUNDS = 3;

export async function rotateUser(deps: RotationDeps, run: RotationRun, hooks: StepHooks): Promise<RotationOutcome> {
  const who = { account: run.account, uin: run.uin };
  await hooks.begin("inspect");
  const inspection = await inspect(deps, run);
  await hooks.done("inspect");
  switch (inspection.kind) {
    case "alreadyDone":
      return { kind: "rotated", ...who, newKeyId: inspection.last.newKeyId, previousKeyId: inspection.last.previousKeyId };
    case "notDue":
      return { kind: "skipped", ...who, reason: inspection.reason };
    case "ready":
      break;
    default: {
      const unreachable: never = inspection;
      throw new Error(`unhandled inspection ${JSON.stringify(unreachable)}`);
    }
  }

  await hooks.begin("reconcile");
  const { snapshot, resume } = await reconcile(deps, run, inspection.snapshot);
  await hooks.done("reconcile");
  const attempt = snapshot.progress.attempt;
  if (!attempt) throw new RotationError("transient", "no attempt recorded after inspect; retrying");

  let newKeyId: string;
  let promotion: Promotion;
  if (resume.kind === "retire") {
    newKeyId = resume.newKeyId;
    promotion = { oldKeyId: attempt.oldKeyId ?? snapshot.vault.previous?.accessKeyId ?? null,
      promotedAt: attempt.promotedAt ?? deps.clock() };
  } else {
    const key = resume.kind === "verify" ? resume.key : await makeRoomAndCreate(deps, run, snapshot, hooks);
    if (resume.kind === "fresh") {
      await boundedBeforeVault(deps, run, "the stage step", hooks.begin("stage"), key.handOffBy ?? handOffDeadline());
      await stage(deps, run, attempt.attemptId, key, snapshot.vault);
      await hooks.done("stage");
    }
    await hooks.begin("verify");
    await verify(deps, run, key);
    await hooks.done("verify");
    await hooks.begin("promote");
    promotion = await promote(deps, run, snapshot, key);
    await hooks.done("promote");
    newKeyId = key.accessKeyId;
  }

  await hooks.begin("scheduleRetirement");
  const last = await scheduleRetirement(deps, run, newKeyId, promotion);
  await hooks.done("scheduleRetirement");
  return { kind: "rotated", ...who, newKeyId: last.newKeyId, previousKeyId: last.previousKeyId };
}

async function makeRoomAndCreate(deps: RotationDeps, run: RotationRun, snapshot: Snapshot, hooks: StepHooks): Promise<InFlightKey> {
  let keys = snapshot.keys;
  for (let round = 1; ; round++) {
    await hooks.begin("makeRoom");
    await makeRoom(deps, run, { ...snapshot, keys });
    await hooks.done("makeRoom");
    await hooks.begin("create");
    const creation = await create(deps, run);
    if (creation.kind === "created") {
      await boundedBeforeVault(deps, run, "the create step", hooks.done("create"), creation.key.handOffBy ?? handOffDeadline());
      return creation.key;
    }
    if (round >= ROOM_ROUNDS) {
      throw new RotationError("transient", `user still holds two keys after ${ROOM_ROUNDS} rounds of making room; another actor keeps adding keys`);
    }
    keys = creation.keys;
  }
}
