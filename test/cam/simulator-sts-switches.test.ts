// STS GetCallerIdentity in the simulator, and the switches for what no public page settles (the simulator
// README's table of ambiguities): each as a seed option and through the control plane, each both ways.
import type { Redis } from "ioredis";
import tencentcloud from "tencentcloud-sdk-nodejs-common";
import { Agent } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CamApi, CamCredentials } from "../../src/cam/types.js";
import { createCamClient } from "../../src/cam/client.js";
import type { LimiterEvent } from "../../src/cam/limiter/redis-gate.js";
import { startCamSimulator, type RunningCamSimulator } from "../../src/cam/simulator/server.js";
import { parseConfig } from "../../src/config/index.js";
import { createConfiguredGate } from "../../src/daemon/configured-gate.js";
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import type { SeedInput } from "../../src/cam/simulator/seed.js";
import {
  ADMIN_UIN,
  camErrorOf,
  connectRedis,
  control,
  DEPLOYER_UIN,
  EMPTY_UIN,
  fixtureKeys,
  fixtureSeed,
  OWNER_UIN,
  redisGate,
  sdkErrorOf,
  typedClient,
} from "../support/simulator.js";

const keys = fixtureKeys();
let sim: RunningCamSimulator;
let redis: Redis;
let admin: CamApi;
let deployer: CamApi;

beforeAll(async () => {
  sim = await startCamSimulator({ seed: fixtureSeed(keys) });
  redis = connectRedis();
  const { gate } = redisGate(redis);
  admin = typedClient(sim.url, keys.admin, { gate });
  deployer = typedClient(sim.url, keys.deployer, { gate });
});
afterAll(async () => {
  await sim.close();
  await redis.quit();
});
const reset = (extra: Partial<SeedInput> = {}) => sim.simulator.reset(fixtureSeed(keys, extra));
beforeEach(() => reset());

/** The seed with extra fields on one user. */
function seedWithUser(uin: number, fields: Record<string, unknown>, extra: Partial<SeedInput> = {}): SeedInput {
  const seed = fixtureSeed(keys, extra);
  const user = seed.accounts![0]!.users!.find((candidate) => candidate.uin === uin)!;
  Object.assign(user, fields);
  return seed;
}

/** The raw SDK for STS at the simulator, with the version and region given (the typed client fixes both). */
function rawSts(credentials: CamCredentials, options: { version?: string; region?: string } = {}) {
  const endpoint = `127.0.0.1:${sim.port}`;
  return new tencentcloud.CommonClient(endpoint, options.version ?? "2018-08-13", {
    credential: credentials,
    ...(options.region === undefined ? {} : { region: options.region }),
    profile: { httpProfile: { endpoint, protocol: "http://", reqTimeout: 5, agent: new Agent() }, language: "en-US" },
  });
}

const newKeyOf = async (uin: number): Promise<CamCredentials> => {
  const made = await admin.createAccessKey(uin);
  return { secretId: made.accessKeyId, secretKey: made.secretAccessKey };
};

describe("STS GetCallerIdentity", () => {
  it("answers any authenticated key with its owner account, user, type and ARN; no permission is needed", async () => {
    expect(await deployer.callerIdentity()).toEqual({
      accountId: String(OWNER_UIN),
      userId: String(DEPLOYER_UIN),
      principalId: String(DEPLOYER_UIN),
      type: "CAMUser",
      arn: `qcs::cam::uin/${OWNER_UIN}:uin/${DEPLOYER_UIN}`,
    });
    const root = typedClient(sim.url, keys.root, { gate: redisGate(redis).gate });
    expect(await root.callerIdentity()).toMatchObject({ userId: String(OWNER_UIN), type: "RootAccount" });
    const request = sim.simulator.requests().at(-1)!;
    expect(request).toMatchObject({ action: "GetCallerIdentity", outcome: "OK", secretId: keys.root.secretId });
  });

  it("wants version 2018-08-13 and a Region, and refuses STS's version for a CAM action", async () => {
    expect((await rawSts(keys.deployer, { region: "ap-guangzhou" }).request("GetCallerIdentity", {})).UserId).toBe(
      String(DEPLOYER_UIN)
    );
    expect((await sdkErrorOf(rawSts(keys.deployer).request("GetCallerIdentity", {}))).code).toBe("MissingParameter");
    expect(
      (
        await sdkErrorOf(
          rawSts(keys.deployer, { version: "2019-01-16", region: "ap-guangzhou" }).request("GetCallerIdentity", {})
        )
      ).code
    ).toBe("NoSuchVersion");
    expect((await sdkErrorOf(rawSts(keys.deployer, { region: "ap-guangzhou" }).request("GetUserAppId", {}))).code).toBe(
      "NoSuchVersion"
    );
  });

  it("with requireService, demands scope sts: the typed client signs as sts.tencentcloudapi.com, the raw SDK at 127.0.0.1 fails", async () => {
    const strict = await startCamSimulator({ seed: fixtureSeed(keys), requireService: true });
    try {
      const client = typedClient(strict.url, keys.deployer, { gate: redisGate(redis).gate });
      expect((await client.callerIdentity()).userId).toBe(String(DEPLOYER_UIN));
      const endpoint = `127.0.0.1:${strict.port}`;
      const raw = new tencentcloud.CommonClient(endpoint, "2018-08-13", {
        credential: keys.deployer,
        region: "ap-guangzhou",
        profile: { httpProfile: { endpoint, protocol: "http://", reqTimeout: 5, agent: new Agent() } },
      });
      expect((await sdkErrorOf(raw.request("GetCallerIdentity", {}))).code).toBe("AuthFailure.SignatureFailure");
    } finally {
      await strict.close();
    }
  });

  it("has its own rate window (20/s by default, rateLimits.GetCallerIdentity in the seed)", async () => {
    reset({ rateLimits: { GetCallerIdentity: 1 } });
    await deployer.whoAmI(keys.deployer);
    const raw = rawSts(keys.admin, { region: "ap-guangzhou" });
    expect((await sdkErrorOf(raw.request("GetCallerIdentity", {}))).code).toBe("RequestLimitExceeded");
    expect((await admin.getUserAppId()).uin).toBe(String(ADMIN_UIN));
    expect(sim.simulator.snapshot().rateLimits.GetCallerIdentity).toBe(1);
  });
});

describe("the rotator's STS calls", () => {
  it("go through the shared limiter under their own action, at the limit rateLimits.GetCallerIdentity sets", async () => {
    const config = parseConfig(
      {
        redis: { url: inject("redisUrl"), prefix: `t-${randomUUID()}` },
        vault: { type: "file", path: "/nonexistent/v.json" },
        accounts: [
          {
            name: "acct-main",
            endpoint: sim.url,
            credentials: { secretIdEnv: "X_ID", secretKeyEnv: "X_KEY" },
            users: [1],
            schedule: "0 3 * * *",
            maxKeyAgeDays: 90,
            rateLimits: { GetCallerIdentity: 2 },
          },
        ],
        limiter: { safetyMargin: 1 }, // the floor; the test counts calls per second, not the margin
      },
      "sts limit test"
    );
    const events: LimiterEvent[] = [];
    const gate = createConfiguredGate(config, redis, (event) => events.push(event));
    const client = createCamClient({ name: "acct-main", endpoint: sim.url, credentials: keys.deployer }, { gate });
    for (let call = 0; call < 3; call++) await client.whoAmI(keys.deployer);
    const slots = events
      .filter((event) => event.kind === "admitted" && event.action === "GetCallerIdentity")
      .map((event) => (event as { slotMs: number }).slotMs);
    expect(slots).toHaveLength(3);
    expect(slots[2]! - slots[0]!).toBeGreaterThanOrEqual(1_000);
  });
});

describe("switch getUserAppIdNeedsPermission", () => {
  it("off (the default): any authenticated user may call GetUserAppId", async () => {
    expect(sim.simulator.snapshot().switches.getUserAppIdNeedsPermission).toBe(false);
    expect((await deployer.getUserAppId()).uin).toBe(String(DEPLOYER_UIN));
  });

  it("on in the seed: a user without permissions gets AuthFailure.UnauthorizedOperation, an admin does not", async () => {
    reset({ getUserAppIdNeedsPermission: true });
    expect(await camErrorOf(deployer.getUserAppId())).toMatchObject({ code: "AuthFailure.UnauthorizedOperation" });
    expect((await admin.getUserAppId()).uin).toBe(String(ADMIN_UIN));
    expect((await deployer.whoAmI(keys.deployer)).userId).toBe(String(DEPLOYER_UIN));
  });

  it("flipped through POST /_sim/switches, both ways", async () => {
    const on = await control(sim.url, "POST", "/_sim/switches", { getUserAppIdNeedsPermission: true });
    expect(on).toMatchObject({ status: 200, json: { getUserAppIdNeedsPermission: true, newKeyAuthDelayMs: 0 } });
    expect(await camErrorOf(deployer.getUserAppId())).toMatchObject({ code: "AuthFailure.UnauthorizedOperation" });
    await control(sim.url, "POST", "/_sim/switches", { getUserAppIdNeedsPermission: false });
    expect((await deployer.getUserAppId()).uin).toBe(String(DEPLOYER_UIN));
  });
});

describe("switch newKeyAuthDelayMs", () => {
  it("0 (the default): a new key authenticates at once", async () => {
    const key = await newKeyOf(EMPTY_UIN);
    expect((await admin.whoAmI(key)).userId).toBe(String(EMPTY_UIN));
  });

  it("set in the seed: a new key answers AuthFailure.SecretIdNotFound until the delay has passed; seeded keys work", async () => {
    reset({ newKeyAuthDelayMs: 700 });
    const key = await newKeyOf(EMPTY_UIN);
    expect(await camErrorOf(admin.whoAmI(key))).toMatchObject({ code: "AuthFailure.SecretIdNotFound" });
    expect((await deployer.whoAmI(keys.deployer)).userId).toBe(String(DEPLOYER_UIN));
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await admin.whoAmI(key)).userId).toBe(String(EMPTY_UIN));
  });

  it("through POST /_sim/switches; a bad value is a 400 naming the field, and changes nothing", async () => {
    const bad = await control(sim.url, "POST", "/_sim/switches", { newKeyAuthDelayMs: -1 });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("newKeyAuthDelayMs");
    expect((await control(sim.url, "POST", "/_sim/switches", { newKeyAuthDelayMs: 60_000 })).status).toBe(200);
    const key = await newKeyOf(EMPTY_UIN);
    expect(await camErrorOf(admin.whoAmI(key))).toMatchObject({ code: "AuthFailure.SecretIdNotFound" });
    await control(sim.url, "POST", "/_sim/switches", { newKeyAuthDelayMs: 0 });
    expect((await admin.whoAmI(await newKeyOf(DEPLOYER_UIN))).userId).toBe(String(DEPLOYER_UIN));
  });
});

describe("user switch deny (a policy without that action)", () => {
  it("in the seed: the denied action answers AuthFailure.UnauthorizedOperation, other actions work", async () => {
    sim.simulator.reset(seedWithUser(ADMIN_UIN, { deny: ["CreateAccessKey"] }));
    expect(await camErrorOf(admin.createAccessKey(EMPTY_UIN))).toMatchObject({
      code: "AuthFailure.UnauthorizedOperation",
    });
    expect(await admin.listAccessKeys(EMPTY_UIN)).toEqual([]);
  });

  it("through POST /_sim/users, and lifted again; an unknown user is a 400", async () => {
    expect(
      (await control(sim.url, "POST", "/_sim/users", { uin: DEPLOYER_UIN, deny: ["GetCallerIdentity"] })).json
    ).toEqual({ uin: DEPLOYER_UIN, deny: ["GetCallerIdentity"], newKeysAuthenticateAs: null });
    expect(await camErrorOf(deployer.whoAmI(keys.deployer))).toMatchObject({
      code: "AuthFailure.UnauthorizedOperation",
    });
    await control(sim.url, "POST", "/_sim/users", { uin: DEPLOYER_UIN, deny: [] });
    expect((await deployer.whoAmI(keys.deployer)).userId).toBe(String(DEPLOYER_UIN));
    const unknown = await control(sim.url, "POST", "/_sim/users", { uin: 999, deny: [] });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain("no user 999");
  });
});

describe("user switch newKeysAuthenticateAs (a new key that signs as someone else)", () => {
  it("unset (the default): a new key is its holder's", async () => {
    expect((await admin.whoAmI(await newKeyOf(EMPTY_UIN))).userId).toBe(String(EMPTY_UIN));
  });

  it("in the seed: the user's new keys authenticate as the other user, and are listed under the holder", async () => {
    sim.simulator.reset(seedWithUser(EMPTY_UIN, { newKeysAuthenticateAs: DEPLOYER_UIN }));
    const key = await newKeyOf(EMPTY_UIN);
    expect((await admin.whoAmI(key)).userId).toBe(String(DEPLOYER_UIN));
    expect((await admin.listAccessKeys(EMPTY_UIN)).map((listed) => listed.accessKeyId)).toEqual([key.secretId]);
  });

  it("a seed naming a user that does not exist is refused with the path", () => {
    expect(() => sim.simulator.reset(seedWithUser(EMPTY_UIN, { newKeysAuthenticateAs: 999 }))).toThrow(
      /accounts\[0\]\.users\[3\]\.newKeysAuthenticateAs: no user 999/
    );
  });

  it("through POST /_sim/users, and back with null", async () => {
    await control(sim.url, "POST", "/_sim/users", { uin: EMPTY_UIN, newKeysAuthenticateAs: DEPLOYER_UIN });
    expect((await admin.whoAmI(await newKeyOf(EMPTY_UIN))).userId).toBe(String(DEPLOYER_UIN));
    await control(sim.url, "POST", "/_sim/users", { uin: EMPTY_UIN, newKeysAuthenticateAs: null });
    expect((await admin.whoAmI(await newKeyOf(EMPTY_UIN))).userId).toBe(String(EMPTY_UIN));
  });
});
