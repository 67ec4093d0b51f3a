// Faults around CreateAccessKey that the simulator's own fault queue cannot express, hooked into the in-process
// simulator's request handler:
// - an operator's key appearing while a create's answer is lost: when a CreateAccessKey is answered with an
//   injected HTTP error (no key made), another actor adds a key to that user before the answer leaves, so the
//   rotator's follow-up listing sees a newcomer it did not make (P3: it must never delete it unapproved);
// - a Redis pause right after CreateAccessKey: CLIENT PAUSE is in force before the answer reaches the worker,
//   while the new secret is only in memory (it must still reach the vault at once).
import type { Redis } from "ioredis";
import type { RunningCamSimulator } from "../src/cam/simulator/index.js";

export interface CreateHooks {
  /** The next `times` CreateAccessKey calls answered with an HTTP fault get an operator key added meanwhile. */
  armOperatorKey(times: number): void;
  /** The next `times` successful CreateAccessKey answers are preceded by CLIENT PAUSE `ms`. */
  armRedisPause(times: number, ms: number): void;
  /** Keys added by the "operator", oldest first. */
  readonly operatorKeys: readonly string[];
  readonly redisPauses: number;
}

export function hookCreates(sim: RunningCamSimulator, ownerUin: number, redis: () => Redis): CreateHooks {
  const simulator = sim.simulator;
  const handle = simulator.handle.bind(simulator);
  const operatorKeys: string[] = [];
  let operatorArmed = 0;
  let pauseArmed = 0;
  let pauseMs = 0;
  let redisPauses = 0;
  simulator.handle = async (request, receivedAt) => {
    const reply = await handle(request, receivedAt);
    if (request.headers["x-tc-action"] !== "CreateAccessKey") return reply;
    if (reply.kind === "http" && operatorArmed > 0) {
      const uin = targetUinOf(request.body);
      try {
        if (uin !== undefined) operatorKeys.push(simulator.addForeignKey({ ownerUin, uin }).accessKeyId);
        operatorArmed--;
      } catch {
        // The user has no room for another key: the next faulted create tries again.
      }
    }
    if (reply.kind === "json" && succeeded(reply.body) && pauseArmed > 0) {
      pauseArmed--;
      await redis()
        .call("CLIENT", "PAUSE", String(pauseMs), "ALL")
        .then(
          () => redisPauses++,
          () => undefined
        );
    }
    return reply;
  };
  return {
    armOperatorKey(times) {
      operatorArmed = times;
    },
    armRedisPause(times, ms) {
      pauseArmed = times;
      pauseMs = ms;
    },
    get operatorKeys() {
      return operatorKeys;
    },
    get redisPauses() {
      return redisPauses;
    },
  };
}

function targetUinOf(body: Buffer): number | undefined {
  try {
    const uin = (JSON.parse(body.toString("utf8")) as { TargetUin?: unknown }).TargetUin;
    return typeof uin === "number" ? uin : undefined;
  } catch {
    return undefined;
  }
}

function succeeded(body: unknown): boolean {
  const response = (body as { Response?: { Error?: unknown } } | null)?.Response;
  return response !== undefined && response.Error === undefined;
}
