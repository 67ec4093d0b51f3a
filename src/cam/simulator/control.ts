// The control plane under /_sim/, no signature: tests and demos reset, inspect and break the simulator here.
// Bad input answers 400 with the problems by path and changes nothing.
import { InputError } from "./issues.js";
import type { CamSimulator } from "./simulator.js";

export interface ControlReply {
  status: number;
  body: unknown;
}

/** The parsed request body, typed as the method expects it: every CamSimulator method validates its input. */
type Body = <T>() => T;
type Route = (sim: CamSimulator, body: Body) => unknown;

const routes: Record<string, Route> = {
  "POST /_sim/reset": (sim, body) => {
    sim.reset(body(), "POST /_sim/reset body");
    return { reset: true };
  },
  "GET /_sim/state": (sim) => sim.snapshot(),
  "POST /_sim/faults": (sim, body) => ({ pending: sim.addFaults(body()) }),
  "GET /_sim/requests": (sim) => sim.requests(),
  "POST /_sim/keys": (sim, body) => sim.addForeignKey(body()),
  "POST /_sim/answers": (sim, body) => ({ answers: sim.setAnswers(body()) }),
  "POST /_sim/switches": (sim, body) => sim.setSwitches(body()),
  "POST /_sim/users": (sim, body) => sim.setUserSwitches(body()),
  "POST /_sim/clock": (sim, body) => {
    sim.setClockOffset(body());
    return { clockOffsetSec: sim.snapshot().clockOffsetSec };
  },
};

export function handleControl(sim: CamSimulator, method: string, path: string, body: Buffer): ControlReply {
  const route = routes[`${method} ${path}`];
  if (route === undefined) {
    const known = Object.keys(routes).join(", ");
    return { status: 404, body: { error: `no control route ${method} ${path}; routes: ${known}` } };
  }
  try {
    return { status: 200, body: route(sim, <T>() => parseJson(body) as T) };
  } catch (error) {
    if (error instanceof InputError) return { status: 400, body: { error: error.message, problems: error.problems } };
    throw error;
  }
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new InputError("request body", [{ path: "(body)", message: `not valid JSON: ${(error as Error).message}` }]);
  }
}
