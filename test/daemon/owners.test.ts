// Item 10 of issue 15: CAM's rate limits belong to the Tencent owner, so the limiter is keyed by the owner UIN
// (learned at start with GetUserAppId), not by the config's account name or the Redis prefix. A daemon with two
// entries for one owner, or that cannot learn an owner, refuses to start with an error naming the entries.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limiterKey } from "../../src/cam/limiter/redis-gate.js";
import { parseConfig } from "../../src/config/index.js";
import { openRuntime } from "../../src/daemon/open-runtime.js";
import { silentLogger } from "../../src/log.js";
import { createCliEnv, OWNER_UIN, type CliEnv } from "../cli/cli-env.js";

const USER = 100000000011;
let world: CliEnv;

beforeAll(async () => {
  world = await createCliEnv({ users: [{ uin: USER, name: "deployer", keys: [{ inVault: "current" }] }] });
});
afterAll(() => world.close());

type RawConfig = { redis: Record<string, unknown>; accounts: Array<Record<string, unknown>> } & Record<string, unknown>;
const rawConfig = () => JSON.parse(readFileSync(world.configPath, "utf8")) as RawConfig;

describe("the limiter's owner", () => {
  it("a worker with two config entries for one owner refuses to start, naming both", async () => {
    const raw = rawConfig();
    raw.accounts = [raw.accounts[0]!, { ...raw.accounts[0], name: "second" }];
    const result = await world.run(["worker", "--config", world.writeConfig(raw, "two-entries.json")]);
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).toContain(
      `accounts[1] ("second"): same Tencent account (owner UIN ${OWNER_UIN}) as accounts[0] ("main")`
    );
    expect(result.stdout + result.stderr).not.toMatch(/worker ready/);
  });

  it("a worker that cannot learn its owner UIN refuses to start, naming the account and the cause", async () => {
    const wrongSecret = "WrongSecretWrongSecretWrongSecret1";
    const result = await world.run(["worker", "--config", world.configPath], {
      env: { TEST_MAIN_SECRET_KEY: wrongSecret },
    });
    expect(result.code).toBe(2);
    const output = result.stdout + result.stderr;
    expect(output).toMatch(/accounts\[0\] \("main"\): cannot learn its owner UIN .*AuthFailure/);
    expect(output).not.toContain(wrongSecret);
    expect(output).not.toMatch(/worker ready/);
  });

  it("two deployments (other prefix, other account name) rotating one owner count in the same windows", async () => {
    const raw = rawConfig();
    const deployment = (prefix: string, name: string) =>
      parseConfig(
        {
          ...raw,
          redis: { ...raw.redis, prefix },
          accounts: [{ ...raw.accounts[0], name, rateLimits: { ListUsers: 1 } }],
        },
        `deployment ${name}`,
        world.env
      );
    const blue = await openRuntime(deployment(`${world.prefix}-blue`, "blue"), { log: silentLogger, env: world.env });
    const green = await openRuntime(deployment(`${world.prefix}-green`, "green"), {
      log: silentLogger,
      env: world.env,
    });
    try {
      await blue.camFor("blue").listUsers();
      await green.camFor("green").listUsers();
      // At 1 call/s per owner, the second deployment's call reached CAM a full slot after the first one's.
      const requests = (await (await fetch(`${world.sim.url}/_sim/requests`)).json()) as Array<{
        t: number;
        action: string;
      }>;
      const times = requests.filter((request) => request.action === "ListUsers").map((request) => request.t);
      expect(times).toHaveLength(2);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
      // One key per owner, in the limiter's namespace (not under either Redis prefix, not by account name).
      expect(await blue.redis.exists(limiterKey(world.prefix, `owner-${OWNER_UIN}`, "ListUsers"))).toBe(1);
      expect(await blue.redis.keys(`*:limiter:{blue}:*`)).toEqual([]);
      expect(await blue.redis.keys(`${world.prefix}-*:limiter:*`)).toEqual([]);
    } finally {
      await blue.close();
      await green.close();
    }
  });
});
