// The simulator faults a chaos iteration injects through the control plane (POST /_sim/faults): a lost response
// after the change committed, InternalError, latency (some beyond the request timeout), and HTTP 503. And the
// faults outside the simulator's queue, armed at random: throttled AWSPENDING removals (label-throttle-proxy.ts),
// an operator's key appearing during a lost create answer and a Redis pause right after CreateAccessKey
// (create-hooks.ts).
import type { CamAction } from "../src/cam/actions.js";
import type { FaultSpecInput } from "../src/cam/simulator/index.js";
import type { CreateHooks } from "./create-hooks.js";
import type { LabelThrottleProxy } from "./label-throttle-proxy.js";
import type { Random } from "./random.js";

/** Actions a rotation calls many times per iteration, so their faults are used up within it. */
const BUSY_ACTIONS: CamAction[] = ["CreateAccessKey", "ListAccessKeys", "GetUserAppId"];
const ALL_ACTIONS: Array<CamAction | "*"> = [
  ...BUSY_ACTIONS,
  "UpdateAccessKey",
  "DeleteAccessKey",
  "GetSecurityLastUsed",
  "*",
];

export function randomFaults(random: Random, count: number): FaultSpecInput[] {
  return Array.from({ length: count }, (): FaultSpecInput => {
    const action = random.chance(0.6) ? random.pick(BUSY_ACTIONS) : random.pick(ALL_ACTIONS);
    const times = random.int(1, 2);
    switch (random.int(0, 3)) {
      case 0:
        // A lost CreateAccessKey answer leaves an orphan whose secret nobody saw (P1).
        return { action: random.chance(0.5) ? "CreateAccessKey" : action, fault: "lostResponse", times };
      case 1:
        return { action, fault: "error", code: "InternalError", times };
      case 2:
        return { action, fault: "latency", ms: random.pick([150, 400, 900, 2_500]), times };
      default:
        return { action, fault: "http", status: 503, times };
    }
  });
}

/** A promote's AWSPENDING removal is tried 3 times in process, each with 3 SDK attempts: throttle more. */
const LABEL_THROTTLES: [number, number] = [10, 14];
/** Shorter than the chaos workers' 2 s BullMQ lock: a longer pause loses the job lock, a different fault. */
const REDIS_PAUSE_MS: [number, number] = [1_000, 1_800];

/** Arms each engine-side fault with some chance; returns the simulator faults they need (queue them too). */
export function armEngineFaults(
  targets: { labelThrottle: LabelThrottleProxy; createHooks: CreateHooks },
  random: Random
): FaultSpecInput[] {
  const needs: FaultSpecInput[] = [];
  if (random.chance(0.6)) targets.labelThrottle.arm(random.int(...LABEL_THROTTLES));
  if (random.chance(0.6)) {
    // The create's answer is lost (a gateway 503, no key made) and an operator's key appears meanwhile.
    targets.createHooks.armOperatorKey(1);
    needs.push({ action: "CreateAccessKey", fault: "http", status: 503, times: 1 });
  }
  if (random.chance(0.6)) targets.createHooks.armRedisPause(1, random.int(...REDIS_PAUSE_MS));
  return needs;
}

export async function injectFaults(simulatorUrl: string, faults: FaultSpecInput[]): Promise<void> {
  const response = await fetch(`${simulatorUrl}/_sim/faults`, {
    method: "POST",
    body: JSON.stringify(faults),
    headers: { "content-type": "application/json" },
  });
  if (!response.ok) throw new Error(`the simulator refused faults ${JSON.stringify(faults)}: ${await response.text()}`);
}
