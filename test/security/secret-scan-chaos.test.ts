// P4 after chaos: one chaos iteration (worker processes killed and restarted, simulator faults, a moto restart
// and a Redis SIGKILL + restart from its AOF), then the secret scan: every Redis key under the prefix (every
// type, BullMQ job data, return values, failure reasons, the event stream), every worker's output and the admin
// CLI's output, searched for every SecretAccessKey the simulator ever issued. The iteration itself must end with
// no invariant violation and no job lost in the Redis restart.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runIteration, type IterationResult } from "../../chaos/iteration.js";
import { seededRandom } from "../../chaos/random.js";
import { scanWorld } from "../../chaos/suite.js";
import { startChaosWorld, type ChaosWorld } from "../../chaos/world.js";
import { scanForSecrets } from "../support/secret-scan.js";
import { requireBuild } from "./binary.js";
import { adminOutputs } from "./cli-output.js";

let world: ChaosWorld;
let result: IterationResult;

beforeAll(async () => {
  requireBuild();
  world = await startChaosWorld({ iterations: 1, workers: 2, usersPerIteration: 6, createLimit: 20 });
  result = await runIteration(world, 0, seededRandom(Date.now() % 2 ** 31), { motoRestart: true, redisRestart: true });
}, 120_000);
afterAll(() => world?.close(), 30_000);

describe("secret scan after a chaos iteration", () => {
  it("the iteration rotated everyone through kills, faults and restarts, with no violation and no lost job", () => {
    expect(result.violations).toEqual([]);
    expect(result.rotations).toBeGreaterThanOrEqual(9);
    expect(result.kills).toBeGreaterThanOrEqual(1);
    expect(result.motoRestarts).toBe(1);
    expect(result.redisRestarts).toBe(1);
  });

  it("no issued secret in Redis (every key and type), worker output, the event stream or the admin CLI's output", async () => {
    const secrets = world.secrets();
    // The scan looks for the seeded keys and for every key the rotation created, lost answers included.
    expect(secrets.size).toBeGreaterThan(world.fleet.secrets.length);
    const report = await scanWorld(world);
    expect(report.keysRead).toBeGreaterThan(10);
    expect(Object.keys(report.types)).toEqual(expect.arrayContaining(["hash", "stream", "zset"]));
    expect(report.hits).toEqual([]);

    const env = {
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
      ...world.fleet.env,
    };
    const cli = await adminOutputs(
      join(world.dir, "config.json"),
      env,
      world.account.name,
      world.account.users[0]!.uin
    );
    expect(cli.codes["status --json"]).toBe(0);
    expect(cli.codes["vault show --account acct1 --uin " + String(world.account.users[0]!.uin) + " --json"]).toBe(0);
    const cliScan = await scanForSecrets(world.runtime.redis, [], secrets, cli.outputs);
    expect(cli.outputs.join("").length).toBeGreaterThan(500);
    expect(cliScan.hits).toEqual([]);
  }, 60_000);
});
