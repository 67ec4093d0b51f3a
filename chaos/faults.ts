// The simulator faults a chaos iteration injects through the control plane (POST /_sim/faults): a lost response
// after the change committed, InternalError, latency (some beyond the request timeout), and HTTP 503.
import type { CamAction } from "../src/cam/actions.js";
import type { FaultSpecInput } from "../src/cam/simulator/index.js";
import type { Random } from "./random.js";

/** Actions a rotation calls many times per iteration, so their faults are used up within it. */
const BUSY_ACTIONS: CamAction[] = ["CreateAccessKey", "ListAccessKeys", "GetUserAppId"];
const ALL_ACTIONS: Array<CamAction | "*"> = [...BUSY_ACTIONS, "UpdateAccessKey", "DeleteAccessKey", "GetSecurityLastUsed", "*"];

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

export async function injectFaults(simulatorUrl: string, faults: FaultSpecInput[]): Promise<void> {
  const response = await fetch(`${simulatorUrl}/_sim/faults`, {
    method: "POST", body: JSON.stringify(faults), headers: { "content-type": "application/json" },
  });
  if (!response.ok) throw new Error(`the simulator refused faults ${JSON.stringify(faults)}: ${await response.text()}`);
}
