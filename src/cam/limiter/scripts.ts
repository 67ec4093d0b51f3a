// Loads the limiter's Lua scripts from the files beside this module (scripts/copy-assets.mjs copies them into
// dist) and exposes them as typed functions over ioredis custom commands (EVALSHA, EVAL on NOSCRIPT).
import { readFileSync } from "node:fs";
import type { Cluster, Redis } from "ioredis";

export type LimiterScriptName = "reserveSlot-1" | "pushBackSlot-1" | "reserveTurn-1";

const readLua = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");
const SLOT_STORE_LUA = readLua("./includes/slotStore.lua");

/** A script's full source: the shared helpers, then the script itself (Redis has no include). */
export function limiterScriptSource(name: LimiterScriptName): string {
  return `${SLOT_STORE_LUA}\n${readLua(`./${name}.lua`)}`;
}

const RESERVE_SLOT_LUA = limiterScriptSource("reserveSlot-1");
const PUSH_BACK_SLOT_LUA = limiterScriptSource("pushBackSlot-1");
const RESERVE_TURN_LUA = limiterScriptSource("reserveTurn-1");

/**
 * reserveSlot-1.lua's answer, in microseconds on Redis's clock. Admitted: the caller owns `slotUs` and sends
 * after `waitUs`. Not admitted: nothing was reserved; the next slot is free in `waitUs`.
 */
export interface Reservation {
  admitted: boolean;
  waitUs: number;
  slotUs: number;
}

export interface LimiterScripts {
  reserveSlot(key: string, intervalUs: number, maxWaitUs: number): Promise<Reservation>;
  /** Returns how far (µs) the key's next free slot lies from now afterwards. */
  pushBackSlot(key: string, penaltyUs: number): Promise<number>;
  /** reserveTurn-1.lua: always reserves; the turn lies `waitUs` from now. */
  reserveTurn(key: string, intervalUs: number, leadUs: number): Promise<{ waitUs: number; turnUs: number }>;
}

type ScriptCommands = {
  camLimiterReserveSlot(key: string, intervalUs: string, maxWaitUs: string): Promise<unknown>;
  camLimiterPushBackSlot(key: string, penaltyUs: string): Promise<unknown>;
  camLimiterReserveTurn(key: string, intervalUs: string, leadUs: string): Promise<unknown>;
};

export function defineLimiterScripts(redis: Redis | Cluster): LimiterScripts {
  redis.defineCommand("camLimiterReserveSlot", { numberOfKeys: 1, lua: RESERVE_SLOT_LUA });
  redis.defineCommand("camLimiterPushBackSlot", { numberOfKeys: 1, lua: PUSH_BACK_SLOT_LUA });
  redis.defineCommand("camLimiterReserveTurn", { numberOfKeys: 1, lua: RESERVE_TURN_LUA });
  const commands = redis as unknown as ScriptCommands;
  return {
    async reserveSlot(key, intervalUs, maxWaitUs) {
      const reply = await commands.camLimiterReserveSlot(key, String(intervalUs), String(maxWaitUs));
      return parseReservation(reply);
    },
    async pushBackSlot(key, penaltyUs) {
      const reply = await commands.camLimiterPushBackSlot(key, String(penaltyUs));
      if (typeof reply !== "number")
        throw new Error(`pushBackSlot-1.lua: expected an integer reply, got ${String(reply)}`);
      return reply;
    },
    async reserveTurn(key, intervalUs, leadUs) {
      const reply = await commands.camLimiterReserveTurn(key, String(intervalUs), String(leadUs));
      if (Array.isArray(reply) && reply.length === 2 && reply.every((n) => typeof n === "number")) {
        const [waitUs, turnUs] = reply as [number, number];
        return { waitUs, turnUs };
      }
      throw new Error(`reserveTurn-1.lua: expected [waitUs, turnUs], got ${JSON.stringify(reply)}`);
    },
  };
}

function parseReservation(reply: unknown): Reservation {
  if (Array.isArray(reply) && reply.length === 3 && reply.every((n) => typeof n === "number")) {
    const [admitted, waitUs, slotUs] = reply as [number, number, number];
    return { admitted: admitted === 1, waitUs, slotUs };
  }
  throw new Error(`reserveSlot-1.lua: expected [admitted, waitUs, slotUs], got ${JSON.stringify(reply)}`);
}
