// Two worker daemons (the real binary) on one Redis with a schedule firing every second: each slot is swept
// exactly once, and the user they find due is rotated once.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCliEnv, logLines, type CliEnv, type Spawned } from "../cli/cli-env.js";

const USER = 100000000011;
let world: CliEnv;
let workers: Spawned[] = [];

beforeAll(async () => {
  world = await createCliEnv({
    users: [{ uin: USER, name: "deployer", keys: [{ inVault: "current" }] }],
    account: { schedule: "* * * * * *" },
  });
});
afterAll(async () => {
  for (const worker of workers) worker.child.kill("SIGKILL");
  await world.close();
});

describe("two workers, one schedule", () => {
  it("fire every second for 5 s and enqueue exactly one sweep per slot", async () => {
    workers = [
      world.spawn(["worker", "--config", world.configPath]),
      world.spawn(["worker", "--config", world.configPath]),
    ];
    await Promise.all(workers.map((worker) => worker.waitFor((line) => line.includes('"worker ready"'), 20_000)));
    const bothReady = Date.now();
    await sleep(5_000);
    for (const worker of workers) worker.child.kill("SIGTERM");
    expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual([0, 0]);

    const fires = workers.flatMap((worker, replica) =>
      logLines(worker.output().stdout)
        .filter((line) => line.msg === "sweep enqueued" || line.msg === "sweep already enqueued for this slot")
        .map((line) => ({ replica, slot: line.slot as number, added: line.added as boolean }))
    );
    // Slots while both replicas were up (start-up of the second one may leave the first alone for a moment).
    const window = fires.filter((fire) => fire.slot >= bothReady && fire.slot <= bothReady + 4_000);
    const slots = [...new Set(window.map((fire) => fire.slot))].sort((a, b) => a - b);
    expect(slots.length).toBeGreaterThanOrEqual(4);
    for (const slot of slots) {
      expect(
        window.filter((fire) => fire.slot === slot),
        `slot ${new Date(slot).toISOString()}`
      ).toHaveLength(1);
    }
    // No slot was lost between the first and last: every second has its sweep.
    expect(slots.at(-1)! - slots[0]!).toBe((slots.length - 1) * 1000);
    // The coordinator stopped the loser before it even tried to enqueue.
    expect(fires.filter((fire) => !fire.added)).toEqual([]);

    // The sweeps ran (one event each) and found the one due user once: one rotation, one CreateAccessKey.
    const events = JSON.parse(
      (await world.run(["events", "--json", "--count", "1000", "--config", world.configPath])).stdout
    ) as Array<{ type: string; uin: number }>;
    const sweeps = events.filter((event) => event.type === "sweep-done").length;
    const allSlots = new Set(fires.map((fire) => fire.slot)).size;
    expect(sweeps).toBeGreaterThanOrEqual(allSlots - 1);
    expect(sweeps).toBeLessThanOrEqual(allSlots);
    expect(events.filter((event) => event.type === "rotation-completed" && event.uin === USER)).toHaveLength(1);
    expect(world.sim.simulator.requests().filter((request) => request.action === "CreateAccessKey")).toHaveLength(1);
  }, 45_000);
});
