// The start-up clock check against CAM's Date header: measured against the simulator with its clock shifted,
// a warning (log and metric) past 60 s, none within it, and the worker daemon doing it at start-up.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCamSimulator, type RunningCamSimulator } from "../../src/cam/simulator/index.js";
import { checkClockSkew, measureClockSkew } from "../../src/daemon/clock-skew.js";
import { createLogger } from "../../src/log.js";
import { parseConfig } from "../../src/config/index.js";
import { createCliEnv, logLines } from "../cli/cli-env.js";

let sim: RunningCamSimulator;
beforeAll(async () => {
  sim = await startCamSimulator({ seed: { clockOffsetSec: 400 } });
});
afterAll(async () => {
  await sim.close();
});

function capture() {
  const lines: string[] = [];
  const log = createLogger(
    { level: "debug", name: "clock-test" },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    })
  );
  return { log, lines };
}

const account = (endpoint: string) =>
  parseConfig(
    {
      vault: { type: "file", path: "/nonexistent/vault.json" },
      accounts: [
        {
          name: "main",
          endpoint,
          credentials: { secretIdEnv: "X_ID", secretKeyEnv: "X_KEY" },
          users: [1],
          schedule: "0 3 * * *",
          maxKeyAgeDays: 90,
        },
      ],
    },
    "clock test"
  ).accounts;

describe("clock skew against CAM's Date header", () => {
  it("measures this host's clock minus CAM's: about -400 s against a simulator 400 s ahead, about 0 at no offset", async () => {
    expect(Math.abs((await measureClockSkew(sim.url)) + 400)).toBeLessThanOrEqual(2);
    sim.simulator.setClockOffset({ offsetSec: 0 });
    expect(Math.abs(await measureClockSkew(sim.url))).toBeLessThanOrEqual(2);
    sim.simulator.setClockOffset({ offsetSec: 400 });
  });

  it("warns past 60 s, naming the account, the skew and the fix, and reports the figure", async () => {
    const { log, lines } = capture();
    const reported: Array<[string, number]> = [];
    await checkClockSkew(account(sim.url), log, (name, skew) => reported.push([name, skew]));
    expect(reported).toHaveLength(1);
    expect(reported[0]![0]).toBe("main");
    expect(Math.abs(reported[0]![1] + 400)).toBeLessThanOrEqual(2);
    const warning = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.level === 40);
    expect(warning).toMatchObject({
      account: "main",
      msg: expect.stringMatching(/clock is 4\d\d s behind CAM's.*SignatureExpire.*NTP/),
    });
  });

  it("does not warn within 60 s, and an unreachable endpoint is a warning, not a failure", async () => {
    sim.simulator.setClockOffset({ offsetSec: 30 });
    try {
      const { log, lines } = capture();
      await checkClockSkew(account(sim.url), log, () => undefined);
      expect(lines.map((line) => (JSON.parse(line) as { level: number }).level)).not.toContain(40);
      const closed = capture();
      await checkClockSkew(account("http://127.0.0.1:1"), closed.log, () => undefined);
      expect(closed.lines.join("")).toContain("could not check the clock against CAM's Date header");
    } finally {
      sim.simulator.setClockOffset({ offsetSec: 400 });
    }
  });

  it("the worker daemon checks at start-up: a warning in its log and cam_rotator_clock_skew_seconds in /metrics", async () => {
    const world = await createCliEnv({ users: [{ uin: 100000000011, name: "deployer" }] });
    try {
      world.sim.simulator.setClockOffset({ offsetSec: -200 });
      const worker = world.spawn(["worker", "--config", world.configPath]);
      const ready = JSON.parse(await worker.waitFor((line) => line.includes('"worker ready"'), 20_000)) as {
        http: string;
      };
      await worker.waitFor((line) => line.includes("clock is"), 10_000);
      const warning = logLines(worker.output().stdout).find((line) => String(line.msg).includes("clock is"));
      expect(warning).toMatchObject({ level: 40, account: "main", skewSec: expect.any(Number) });
      expect(Math.abs((warning!.skewSec as number) - 200)).toBeLessThanOrEqual(2);
      const metrics = await (await fetch(`${ready.http}/metrics`)).text();
      expect(metrics).toMatch(/cam_rotator_clock_skew_seconds\{account="main"\} (19\d|20\d)/);
      worker.child.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
    } finally {
      await world.close();
    }
  });
});
