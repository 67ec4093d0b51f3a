// SIGTERM while a rotation is in flight (slowed by a simulator latency fault): the worker stops taking jobs,
// hands the active one back at the deadline, exits 0, and a restarted worker completes the rotation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCliEnv, logLines, type CliEnv } from "../cli/cli-env.js";

const USER = 100000000011;
let world: CliEnv;

beforeAll(async () => {
  world = await createCliEnv({
    users: [{ uin: USER, name: "deployer", keys: [{ inVault: "current" }] }],
    config: { worker: { concurrency: 2, shutdownTimeout: "1s" } },
  });
});
afterAll(() => world.close());

async function status(): Promise<{ counts: Record<string, number>; active: unknown[] }> {
  return JSON.parse((await world.run(["status", "--json", "--config", world.configPath])).stdout) as {
    counts: Record<string, number>;
    active: unknown[];
  };
}

describe("graceful shutdown", () => {
  it("exits 0 on SIGTERM mid-rotation, and the rotation completes after a restart", async () => {
    const [oldKey] = world.keyIds.get(USER)!;
    const first = world.spawn(["worker", "--config", world.configPath]);
    await first.waitFor((line) => line.includes('"worker ready"'), 20_000);
    // The inspect step's ListAccessKeys takes 4 s: longer than the 1 s shutdown deadline.
    world.sim.simulator.addFaults({ action: "ListAccessKeys", fault: "latency", ms: 4_000, times: 1 });
    expect(
      (await world.run(["rotate", "--account", "main", "--uin", String(USER), "--config", world.configPath])).code
    ).toBe(0);
    const deadline = Date.now() + 10_000;
    while (world.sim.simulator.snapshot().faults.length > 0) {
      if (Date.now() > deadline) throw new Error("the rotation never reached CAM");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const signalled = Date.now();
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const tookMs = Date.now() - signalled;
    // 1 s deadline, then the job stops at its next step boundary (the slow call ends ~4 s after it began).
    expect(tookMs).toBeLessThan(9_000);
    const messages = logLines(first.output().stdout).map((line) => line.msg);
    expect(messages).toContain("shutting down: taking no new jobs");
    expect(messages).toContain("active jobs still running at the shutdown deadline; handing them back");
    expect(messages).toContain("shutdown complete");
    expect(first.output().stderr).toBe("");

    // Handed back, not stuck as active under a dead worker's lock; the old key is still current.
    const between = await status();
    expect(between.active).toEqual([]);
    expect((between.counts.waiting ?? 0) + (between.counts.delayed ?? 0)).toBe(1);
    const vault = await world.vault();
    expect((await vault.describe({ account: "main", uin: USER })).current?.accessKeyId).toBe(oldKey);

    const second = world.spawn(["worker", "--config", world.configPath]);
    await second.waitFor((line) => line.includes('"rotation finished"'), 20_000);
    const after = await vault.describe({ account: "main", uin: USER });
    await vault.close();
    expect(after.current?.accessKeyId).not.toBe(oldKey);
    expect(after.previous?.accessKeyId).toBe(oldKey);
    const created = world.sim.simulator
      .requests()
      .filter((request) => request.action === "CreateAccessKey" && request.outcome === "OK");
    expect(created).toHaveLength(1);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 60_000);
});
