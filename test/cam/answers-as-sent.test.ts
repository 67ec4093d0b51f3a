// Issue 11, sections 2 and 3: the typed client reads CAM's answers the way the official SDK models allow, and
// every documented error code has a class chosen on purpose. Each ambiguity runs both ways through the
// simulator's answer switches (answer-switches.ts), the official SDK and the real Redis gate.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DOCUMENTED_CODES, type CamErrorKind } from "../../src/cam/errors.js";
import { GONE_KEY_ANSWERS, type AnswerSwitchesInput } from "../../src/cam/simulator/answer-switches.js";
import { startCamSimulator, type RunningCamSimulator } from "../../src/cam/simulator/server.js";
import type { CamAnswerWarning, CamApi } from "../../src/cam/types.js";
import {
  camErrorOf,
  connectRedis,
  control,
  DEPLOYER_UIN,
  EMPTY_UIN,
  fixtureKeys,
  fixtureSeed,
  rawSdk,
  redisGate,
  sdkErrorOf,
  typedClient,
} from "../support/simulator.js";

const keys = fixtureKeys();
let sim: RunningCamSimulator;
let redis: Redis;
let warnings: CamAnswerWarning[];
let admin: CamApi;
/** The main account of an account with no sub-users: its ListUsers answer is an empty list. */
let lonelyRoot: CamApi;

beforeAll(async () => {
  sim = await startCamSimulator({ seed: fixtureSeed(keys) });
  redis = connectRedis();
});
afterAll(async () => {
  await sim.close();
  await redis.quit();
});
beforeEach(() => {
  sim.simulator.reset(fixtureSeed(keys));
  warnings = [];
  const { gate } = redisGate(redis);
  admin = typedClient(sim.url, keys.admin, { gate, throttleRetries: 0, warn: (warning) => warnings.push(warning) });
  lonelyRoot = typedClient(sim.url, keys.other, { gate });
});

const answers = (switches: AnswerSwitchesInput) => sim.simulator.setAnswers(switches);
const keysOf = (uin: number) =>
  sim.simulator
    .snapshot()
    .accounts.flatMap((account) => account.users)
    .find((user) => user.uin === uin)?.keys ?? [];

describe("the answer switches", () => {
  it("are set by POST /_sim/answers, shown in the state, and a bad one is refused by path, changing nothing", async () => {
    expect(
      (await control(sim.url, "POST", "/_sim/answers", { emptyLists: "omitted", listingLagMs: 500 })).json
    ).toEqual({ answers: { emptyLists: "omitted", listingLagMs: 500 } });
    const bad = await control(sim.url, "POST", "/_sim/answers", { lastUsedLagSec: -1, goneKeyCode: "Nope" });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("lastUsedLagSec");
    expect(bad.text).toContain("goneKeyCode");
    expect(sim.simulator.snapshot().answers).toEqual({ emptyLists: "omitted", listingLagMs: 500 });
  });
});

describe("lists the SDK models mark optional (AccessKeys, SecretIdLastUsedRows, Data)", () => {
  it.each(["null", "omitted", "empty"] as const)("read as empty when CAM sends them %s", async (emptyLists) => {
    answers({ emptyLists });
    const raw = await rawSdk(`127.0.0.1:${sim.port}`, keys.admin).request("ListAccessKeys", { TargetUin: EMPTY_UIN });
    expect(raw.AccessKeys).toEqual(emptyLists === "null" ? null : emptyLists === "empty" ? [] : undefined);
    expect("AccessKeys" in raw).toBe(emptyLists !== "omitted");
    expect(await admin.listAccessKeys(EMPTY_UIN)).toEqual([]);
    expect(await admin.getSecurityLastUsed(["AKIDnoSuchKeyAnywhere0000"])).toEqual([]);
    expect(await lonelyRoot.listUsers()).toEqual([]);
  });

  it("a list that is there is read in full either way", async () => {
    for (const emptyLists of [undefined, "omitted"] as const) {
      answers(emptyLists ? { emptyLists } : {});
      expect((await admin.listAccessKeys(DEPLOYER_UIN)).map((key) => key.accessKeyId)).toEqual([
        keys.deployer.secretId,
      ]);
      expect((await admin.listUsers()).map((user) => user.name)).toEqual(["rotator", "deployer", "reporter"]);
    }
  });
});

describe("one odd row does not fail a whole list", () => {
  const oddRows = [
    { Uin: 0, Name: "ghost", Uid: 0, Remark: "", ConsoleLogin: 0, CreateTime: "2020-01-01 00:00:00" }, // Tencent's example
    { Name: "no-uin", Uid: 7 },
    { Uin: 100000000099, Uid: 8 },
  ];

  it("ListUsers skips a Uin 0 row and rows missing a field, with a warning naming the field, never a value", async () => {
    answers({ extraUserRows: oddRows });
    const users = await admin.listUsers();
    expect(users.map((user) => user.name)).toEqual(["rotator", "deployer", "reporter"]);
    expect(warnings.map((warning) => warning.problem)).toEqual([
      "Data.3.Uin: too_small",
      "Data.4.Uin: invalid_type",
      "Data.5.Name: invalid_type",
    ]);
    expect(warnings.every((warning) => warning.account === "acct-main" && warning.action === "ListUsers")).toBe(true);
    expect(JSON.stringify(warnings)).not.toContain("ghost");
  });

  it("without odd rows nothing is skipped or warned about", async () => {
    expect((await admin.listUsers()).map((user) => user.uin)).toHaveLength(3);
    expect(warnings).toEqual([]);
  });
});

describe("fields nobody documents are ignored everywhere", () => {
  it.each([false, true])("extraFields %s: every action the rotator calls reads as before", async (extraFields) => {
    answers({ extraFields });
    const raw = await rawSdk(`127.0.0.1:${sim.port}`, keys.admin).request("ListUsers", {});
    expect("SimulatorAddedField" in raw.Data[0]).toBe(extraFields);
    const created = await admin.createAccessKey(EMPTY_UIN);
    expect(Object.keys(created).sort()).toEqual(["accessKeyId", "createdAt", "secretAccessKey", "status"]);
    const listed = await admin.listAccessKeys(EMPTY_UIN);
    expect(listed).toEqual([{ accessKeyId: created.accessKeyId, status: "Active", createdAt: created.createdAt }]);
    await admin.whoAmI({ secretId: created.accessKeyId, secretKey: created.secretAccessKey });
    const [used] = await admin.getSecurityLastUsed([created.accessKeyId]);
    expect(Object.keys(used!).sort()).toEqual(["lastUsedAt", "lastUsedDay", "secretId"]);
    expect((await admin.listUsers()).map((user) => Object.keys(user).sort())[1]).toEqual([
      "name",
      "remark",
      "uid",
      "uin",
    ]);
    expect(await admin.getUserAppId()).toEqual({
      uin: expect.any(String),
      ownerUin: expect.any(String),
      appId: expect.any(Number),
    });
    expect(await admin.updateAccessKey(EMPTY_UIN, created.accessKeyId, "Inactive")).toBe("done");
    expect(await admin.deleteAccessKey(EMPTY_UIN, created.accessKeyId)).toBe("done");
    expect(warnings).toEqual([]);
  });
});

describe("a key that is already gone", () => {
  it.each(GONE_KEY_ANSWERS)('is "gone" for Update and Delete when CAM answers %s', async (goneKeyCode) => {
    answers({ goneKeyCode });
    await admin.updateAccessKey(DEPLOYER_UIN, keys.deployer.secretId, "Inactive");
    expect(await admin.deleteAccessKey(DEPLOYER_UIN, keys.deployer.secretId)).toBe("done");
    const raw = await sdkErrorOf(
      rawSdk(`127.0.0.1:${sim.port}`, keys.admin).request("DeleteAccessKey", {
        TargetUin: DEPLOYER_UIN,
        AccessKeyId: keys.deployer.secretId,
      })
    );
    expect(raw.code).toBe(goneKeyCode);
    expect(await admin.deleteAccessKey(DEPLOYER_UIN, keys.deployer.secretId)).toBe("gone");
    expect(await admin.updateAccessKey(DEPLOYER_UIN, keys.deployer.secretId, "Inactive")).toBe("gone");
    // Another user's key is not this user's to touch: gone for this user, untouched for its owner.
    sim.simulator.reset(fixtureSeed(keys, { answers: { goneKeyCode } }));
    expect(await admin.updateAccessKey(EMPTY_UIN, keys.deployer.secretId, "Inactive")).toBe("gone");
    expect(keysOf(DEPLOYER_UIN)[0]!.status).toBe("Active");
  });

  it.each(["OperationDenied.UinNotMatch", "FailedOperation.Accesskey", "InvalidParameter.ParamError"])(
    '%s for a key that is still listed is an error, never "gone"',
    async (code) => {
      sim.simulator.addFaults([
        { action: "DeleteAccessKey", fault: "error", code },
        { action: "UpdateAccessKey", fault: "error", code },
      ]);
      expect(await camErrorOf(admin.deleteAccessKey(DEPLOYER_UIN, keys.deployer.secretId))).toMatchObject({ code });
      expect(await camErrorOf(admin.updateAccessKey(DEPLOYER_UIN, keys.deployer.secretId, "Inactive"))).toMatchObject({
        code,
      });
      expect(keysOf(DEPLOYER_UIN)).toHaveLength(1);
    }
  );

  it("an Active key CAM refuses to delete (FailedOperation.Accesskey) stays an error, as the key is still listed", async () => {
    sim.simulator.reset(fixtureSeed(keys, { requireInactiveBeforeDelete: true }));
    expect(await camErrorOf(admin.deleteAccessKey(DEPLOYER_UIN, keys.deployer.secretId))).toMatchObject({
      code: "FailedOperation.Accesskey",
    });
  });
});

describe("documented error codes, each classed on purpose", () => {
  const expected: Array<[string, CamErrorKind]> = [
    ["OperationDenied.UinNotMatch", "invalid"],
    ["FailedOperation.Accesskey", "unknown"],
    ["InvalidParameter.ParamError", "invalid"],
    ["InternalError.SystemError", "transient"],
    ["InternalError.UnknownError", "transient"],
    ["FailedOperation", "unknown"],
    ["RequestLimitExceeded", "throttled"],
    ["RequestLimitExceeded.UinLimitExceeded", "throttled"],
    ["RequestLimitExceeded.IPLimitExceeded", "throttled"],
    ["RequestLimitExceeded.GlobalRegionUinLimitExceeded", "throttled"],
  ];

  it("every code issue 11 names has an entry with its reason", () => {
    for (const [code, kind] of expected) {
      expect(DOCUMENTED_CODES[code]).toMatchObject({ kind });
      expect(DOCUMENTED_CODES[code]!.why.length).toBeGreaterThan(20);
    }
  });

  it.each(expected)("%s from UpdateAccessKey is %s (simulator fault where CAM documents it)", async (code, kind) => {
    sim.simulator.reset(fixtureSeed(keys));
    sim.simulator.addFaults({ action: "UpdateAccessKey", fault: "error", code });
    const error = await camErrorOf(admin.updateAccessKey(DEPLOYER_UIN, keys.deployer.secretId, "Inactive"));
    expect(error).toMatchObject({ code, kind, action: "UpdateAccessKey" });
    expect(keysOf(DEPLOYER_UIN)[0]!.status).toBe("Active");
  });
});

describe("time lags (the simulator's side; the engine's side is test/jobs/cam-lags.test.ts)", () => {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it.each([0, 1])("GetSecurityLastUsed reports a use %i s late", async (lastUsedLagSec) => {
    answers({ lastUsedLagSec });
    const deployer = typedClient(sim.url, keys.deployer, { gate: redisGate(redis).gate });
    const before = Date.now();
    await deployer.getUserAppId();
    const [now] = await admin.getSecurityLastUsed([keys.deployer.secretId]);
    if (lastUsedLagSec === 0) expect(now!.lastUsedAt).toBeGreaterThanOrEqual(before);
    else expect(now).toMatchObject({ lastUsedAt: null, lastUsedDay: null });
    await pause(lastUsedLagSec * 1000 + 100);
    const [later] = await admin.getSecurityLastUsed([keys.deployer.secretId]);
    expect(later!.lastUsedAt).toBeGreaterThanOrEqual(before);
    expect(later!.lastUsedDay! % 86_400_000).toBe(0); // a whole day, as LastUsedDate names it
  });

  it("with a lag, an earlier use is reported until the newer one is old enough", async () => {
    answers({ lastUsedLagSec: 1 });
    const deployer = typedClient(sim.url, keys.deployer, { gate: redisGate(redis).gate });
    await deployer.getUserAppId();
    await pause(1_100);
    const first = (await admin.getSecurityLastUsed([keys.deployer.secretId]))[0]!.lastUsedAt;
    expect(first).not.toBeNull();
    await deployer.getUserAppId();
    expect((await admin.getSecurityLastUsed([keys.deployer.secretId]))[0]!.lastUsedAt).toBe(first);
  });

  it.each([0, 800])(
    "a new key shows up in ListAccessKeys %i ms late; the two-key rule holds at once",
    async (listingLagMs) => {
      answers({ listingLagMs });
      const created = await admin.createAccessKey(EMPTY_UIN);
      const listedAtOnce = (await admin.listAccessKeys(EMPTY_UIN)).map((key) => key.accessKeyId);
      expect(listedAtOnce).toEqual(listingLagMs === 0 ? [created.accessKeyId] : []);
      await admin.createAccessKey(EMPTY_UIN);
      expect(await camErrorOf(admin.createAccessKey(EMPTY_UIN))).toMatchObject({
        code: "OperationDenied.AccessKeyOverLimit",
      });
      await pause(listingLagMs + 100);
      expect((await admin.listAccessKeys(EMPTY_UIN)).map((key) => key.accessKeyId)).toContain(created.accessKeyId);
    }
  );
});
