// Calls the limiter's Lua scripts directly (plain EVAL of the .lua files, with their shared include), so the
// decision itself is tested apart from the TypeScript around it.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { limiterScriptSource } from "../../src/cam/limiter/scripts.js";

const reserveLua = limiterScriptSource("reserveSlot-1");
const pushBackLua = limiterScriptSource("pushBackSlot-1");
const turnLua = limiterScriptSource("reserveTurn-1");

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject("redisUrl"));
});
afterAll(async () => {
  await redis.quit();
});

const freshKey = () => `t-${randomUUID()}:limiter:{acct}:CreateAccessKey`;

async function reserve(key: string, intervalUs: number | string, maxWaitUs: number | string) {
  const [admitted, waitUs, slotUs] = (await redis.eval(
    reserveLua,
    1,
    key,
    String(intervalUs),
    String(maxWaitUs)
  )) as number[];
  return { admitted: admitted === 1, waitUs: waitUs!, slotUs: slotUs! };
}
const pushBack = async (key: string, penaltyUs: number | string) =>
  (await redis.eval(pushBackLua, 1, key, String(penaltyUs))) as number;
async function turn(key: string, intervalUs: number | string, leadUs: number | string) {
  const [waitUs, turnUs] = (await redis.eval(turnLua, 1, key, String(intervalUs), String(leadUs))) as number[];
  return { waitUs: waitUs!, turnUs: turnUs! };
}

/** Redis's clock in microseconds, the scripts' time base. */
async function redisNowUs(): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1_000_000 + Number(micros);
}

describe("reserveSlot-1.lua", () => {
  it("admits the first call at once, at Redis's current time, and stores the next slot one interval later", async () => {
    const key = freshKey();
    const before = await redisNowUs();
    const first = await reserve(key, 200_000, 0);
    const after = await redisNowUs();
    expect(first).toMatchObject({ admitted: true, waitUs: 0 });
    expect(first.slotUs).toBeGreaterThanOrEqual(before);
    expect(first.slotUs).toBeLessThanOrEqual(after);
    expect(Number(await redis.get(key))).toBe(first.slotUs + 200_000);
  });

  it("spaces consecutive admissions exactly one interval apart and tells each caller how long to wait", async () => {
    const key = freshKey();
    const slots: number[] = [];
    for (let i = 0; i < 5; i++) {
      const reservation = await reserve(key, 200_000, 2_000_000);
      expect(reservation.admitted).toBe(true);
      slots.push(reservation.slotUs);
      const now = await redisNowUs();
      // waitUs was computed against TIME inside the script, a moment before `now`.
      expect(reservation.slotUs - reservation.waitUs).toBeLessThanOrEqual(now);
      expect(reservation.slotUs - reservation.waitUs).toBeGreaterThan(now - 50_000);
    }
    expect(slots.slice(1).map((slot, i) => slot - slots[i]!)).toEqual([200_000, 200_000, 200_000, 200_000]);
  });

  it("reserves nothing when the slot is further away than maxWait, and admits once the wait is acceptable", async () => {
    const key = freshKey();
    const first = await reserve(key, 1_000_000, 0);
    const stored = await redis.get(key);
    const refused = await reserve(key, 1_000_000, 500_000);
    expect(refused.admitted).toBe(false);
    expect(refused.slotUs).toBe(first.slotUs + 1_000_000);
    expect(refused.waitUs).toBeGreaterThan(500_000);
    expect(refused.waitUs).toBeLessThanOrEqual(1_000_000);
    expect(await redis.get(key)).toBe(stored);
    // The bound is inclusive: a wait exactly equal to maxWait is accepted.
    const accepted = await reserve(key, 1_000_000, refused.waitUs + 1_000_000);
    expect(accepted).toMatchObject({ admitted: true, slotUs: refused.slotUs });
    expect(Number(await redis.get(key))).toBe(refused.slotUs + 1_000_000);
  });

  it("treats a slot in the past as free now: an idle pair sends at once", async () => {
    const key = freshKey();
    const now = await redisNowUs();
    await redis.set(key, String(now - 10_000_000));
    const reservation = await reserve(key, 200_000, 0);
    expect(reservation).toMatchObject({ admitted: true, waitUs: 0 });
    expect(reservation.slotUs).toBeGreaterThanOrEqual(now);
  });

  it("lets the key expire one second after its slot has passed, so idle pairs vanish", async () => {
    const key = freshKey();
    await reserve(key, 50_000, 0);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(900);
    expect(ttl).toBeLessThanOrEqual(1050);
    await sleep(ttl + 50);
    expect(await redis.exists(key)).toBe(0);
    expect(await reserve(key, 50_000, 0)).toMatchObject({ admitted: true, waitUs: 0 });
  });

  it("keeps a far slot alive: the TTL covers the reserved time plus the grace second", async () => {
    const key = freshKey();
    await reserve(key, 5_000_000, 0);
    expect(await redis.pttl(key)).toBeGreaterThan(5_900);
  });

  it.each([
    ["0", "interval must be a positive integer of microseconds, got 0"],
    ["abc", "interval must be a positive integer of microseconds, got abc"],
    ["1.5", "interval must be a positive integer of microseconds, got 1.5"],
  ])("rejects interval %s with a clear error and writes nothing", async (interval, message) => {
    const key = freshKey();
    await expect(reserve(key, interval, 0)).rejects.toThrow(message);
    expect(await redis.exists(key)).toBe(0);
  });

  it("rejects a negative maxWait and a key that does not hold a slot time, naming the key", async () => {
    const key = freshKey();
    await expect(reserve(key, 1000, -1)).rejects.toThrow(
      "maxWait must be a non-negative number of microseconds, got -1"
    );
    await redis.set(key, "not-a-time");
    await expect(reserve(key, 1000, 0)).rejects.toThrow(`key ${key} does not hold a slot time: not-a-time`);
    expect(await redis.get(key)).toBe("not-a-time");
  });

  it("touches no key but the one it is given", async () => {
    const prefix = `t-${randomUUID()}`;
    const key = `${prefix}:limiter:{acct}:CreateAccessKey`;
    await reserve(key, 1000, 0);
    await pushBack(key, 1000);
    expect(await redis.keys(`${prefix}*`)).toEqual([key]);
  });
});

describe("pushBackSlot-1.lua", () => {
  it("moves a free pair's next slot to now + penalty", async () => {
    const key = freshKey();
    const before = await redisNowUs();
    expect(await pushBack(key, 300_000)).toBe(300_000);
    const stored = Number(await redis.get(key));
    expect(stored).toBeGreaterThanOrEqual(before + 300_000);
    const next = await reserve(key, 200_000, 0);
    expect(next.admitted).toBe(false);
    expect(next.slotUs).toBe(stored);
    expect(await redis.pttl(key)).toBeGreaterThan(1_100);
  });

  it("never moves a later slot earlier", async () => {
    const key = freshKey();
    await reserve(key, 2_000_000, 0);
    const stored = await redis.get(key);
    const waitUs = await pushBack(key, 100_000);
    expect(await redis.get(key)).toBe(stored);
    expect(waitUs).toBeGreaterThan(1_900_000);
  });

  it("pushes a busy pair's queue further when the penalty reaches beyond it", async () => {
    const key = freshKey();
    await reserve(key, 100_000, 0);
    const before = await redisNowUs();
    await pushBack(key, 1_000_000);
    const reservation = await reserve(key, 100_000, 2_000_000);
    expect(reservation.admitted).toBe(true);
    expect(reservation.slotUs).toBeGreaterThanOrEqual(before + 1_000_000);
  });

  it("rejects a bad penalty with a clear error and writes nothing", async () => {
    const key = freshKey();
    await expect(pushBack(key, "-5")).rejects.toThrow("penalty must be a non-negative number of microseconds, got -5");
    expect(await redis.exists(key)).toBe(0);
  });
});

describe("reserveTurn-1.lua", () => {
  it("gives an idle account lead / interval + 1 turns at once, then one per interval, each reserved", async () => {
    const key = freshKey().replace("CreateAccessKey", "rotationTurn");
    const turns = [];
    for (let i = 0; i < 10; i++) turns.push(await turn(key, 200_000, 1_000_000));
    // Six immediate turns: the TAT runs from now to now + 1 s, within the lead.
    expect(turns.slice(0, 6).map((t) => t.waitUs)).toEqual([0, 0, 0, 0, 0, 0]);
    const first = turns[0]!.turnUs;
    // Then the TAT minus the lead: exactly one interval apart, counted from the first turn.
    expect(turns.slice(6).map((t) => t.turnUs - first)).toEqual([200_000, 400_000, 600_000, 800_000]);
    const now = await redisNowUs();
    expect(turns[9]!.turnUs - turns[9]!.waitUs).toBeLessThanOrEqual(now);
    expect(Number(await redis.get(key))).toBe(first + 10 * 200_000);
  });

  it("always reserves, however long the line: every caller holds a distinct turn", async () => {
    const key = freshKey();
    const replies = await Promise.all(Array.from({ length: 50 }, () => turn(key, 100_000, 0)));
    const turns = replies.map((reply) => reply.turnUs).sort((a, b) => a - b);
    expect(new Set(turns).size).toBe(50);
    expect(turns.at(-1)! - turns[0]!).toBeGreaterThanOrEqual(49 * 100_000);
    expect(Math.max(...replies.map((reply) => reply.waitUs))).toBeGreaterThanOrEqual(4_800_000);
    expect(await redis.pttl(key)).toBeGreaterThan(5_000);
  });

  it("rejects a bad interval, a negative lead and a key that does not hold a time, and writes nothing", async () => {
    const key = freshKey();
    await expect(turn(key, "0", 0)).rejects.toThrow(
      "reserveTurn: interval must be a positive integer of microseconds, got 0"
    );
    await expect(turn(key, 1000, "-1")).rejects.toThrow(
      "reserveTurn: lead must be a non-negative number of microseconds, got -1"
    );
    expect(await redis.exists(key)).toBe(0);
    await redis.set(key, "junk");
    await expect(turn(key, 1000, 0)).rejects.toThrow(`reserveTurn: key ${key} does not hold a slot time: junk`);
    expect(await redis.get(key)).toBe("junk");
  });
});
