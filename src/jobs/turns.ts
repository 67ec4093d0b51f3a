// Rotation turns: a rotate job starts only when its account's next turn comes (reserveTurn-1.lua, spaced like
// the account's CreateAccessKey slots). One account's backlog then holds a few workers, not all of them, and
// another account queued behind it starts at once. A job whose turn is further away than it may sleep goes
// back to the queue until then, keeping the turn in its progress, so it is taken from the queue about once.
import { setTimeout as sleep } from "node:timers/promises";
import type { RotateProgress } from "./queue.js";

/** The engine's view of the limiter's turns (RedisGate provides it). */
export interface RotationTurns {
  /** Reserves the account's next turn; resolves to the milliseconds until it. */
  reserveRotationTurn(account: string): Promise<number>;
}

/** A turn closer than this is slept for in the worker slot; a further one parks the job in the queue. */
export const TURN_SLEEP_MAX_MS = 250;

/**
 * Waits for the job's turn when it is near and resolves to undefined; or resolves to the epoch ms (this host's
 * clock) until which the job should be delayed. A turn the job already holds (from its progress) is reused.
 */
export async function awaitTurn(turns: RotationTurns, account: string, progress: unknown): Promise<number | undefined> {
  const turnAt = heldTurn(progress) ?? Date.now() + (await turns.reserveRotationTurn(account));
  const waitMs = turnAt - Date.now();
  if (waitMs > TURN_SLEEP_MAX_MS) return turnAt;
  if (waitMs > 0) await sleep(waitMs);
  return undefined;
}

function heldTurn(progress: unknown): number | undefined {
  const turnAt = (progress as Partial<Extract<RotateProgress, { turnAt: number }>> | undefined)?.turnAt;
  return typeof turnAt === "number" && Number.isFinite(turnAt) ? turnAt : undefined;
}
