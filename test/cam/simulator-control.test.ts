// The control plane under /_sim/: state and request log without secrets, reset, faults, foreign keys, the clock,
// and the envelope every API answer comes in.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LoggedRequest } from "../../src/cam/simulator/request-log.js";
import { startCamSimulator, type RunningCamSimulator } from "../../src/cam/simulator/server.js";
import type { SimulatorSnapshot } from "../../src/cam/simulator/simulator.js";
import {
  control,
  DEPLOYER_UIN,
  EMPTY_UIN,
  fixtureKeys,
  fixtureSeed,
  OWNER_UIN,
  rawSdk,
  sdkErrorOf,
} from "../support/simulator.js";

const keys = fixtureKeys();
let sim: RunningCamSimulator;

beforeAll(async () => {
  sim = await startCamSimulator({ seed: fixtureSeed(keys) });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  expect((await control(sim.url, "POST", "/_sim/reset", fixtureSeed(keys))).status).toBe(200);
});

const state = async () => (await control(sim.url, "GET", "/_sim/state")).json as SimulatorSnapshot;
const userKeys = async (uin: number) =>
  (await state()).accounts.flatMap((account) => account.users).find((user) => user.uin === uin)!.keys;
const sdk = (key = keys.admin) => rawSdk(`127.0.0.1:${sim.port}`, key);

describe("secrets stay inside the simulator", () => {
  it("neither /_sim/state nor /_sim/requests contains any secret, seeded or freshly created", async () => {
    const created = await sdk().request("CreateAccessKey", { TargetUin: EMPTY_UIN });
    await sdk({ secretId: created.AccessKey.AccessKeyId, secretKey: created.AccessKey.SecretAccessKey }).request(
      "GetUserAppId",
      {}
    );
    await sdkErrorOf(
      sdk({ ...keys.deployer, secretKey: "wrongwrongwrongwrongwrongwrongwrong" }).request("GetUserAppId", {})
    );
    const secrets = [created.AccessKey.SecretAccessKey as string, ...Object.values(keys).map((key) => key.secretKey)];
    const outputs = [
      (await control(sim.url, "GET", "/_sim/state")).text,
      (await control(sim.url, "GET", "/_sim/requests")).text,
    ];
    for (const output of outputs) {
      expect(output).toContain(created.AccessKey.AccessKeyId);
      for (const secret of secrets) expect(output).not.toContain(secret);
    }
    expect(outputs[0]).not.toMatch(/secret/i);
  });
});

describe("GET /_sim/state and /_sim/requests", () => {
  it("shows accounts, users, keys and per-action counters of ok, throttled and errors by code", async () => {
    await sdk().request("ListAccessKeys", { TargetUin: DEPLOYER_UIN });
    await sdkErrorOf(sdk().request("ListAccessKeys", { TargetUin: 999 }));
    const snapshot = await state();
    expect(snapshot.accounts[0]).toMatchObject({
      ownerUin: OWNER_UIN,
      users: expect.arrayContaining([
        expect.objectContaining({
          uin: DEPLOYER_UIN,
          admin: false,
          keys: [
            {
              accessKeyId: keys.deployer.secretId,
              status: "Active",
              createTime: "2025-06-01 08:00:00",
              lastUsedAt: null,
            },
          ],
        }),
      ]),
    });
    expect(snapshot.counters).toEqual({
      ListAccessKeys: { ok: 1, throttled: 0, errors: { "InvalidParameter.UserNotExist": 1 } },
    });
  });

  it("logs every request as {t, action, secretId, targetUin, outcome, requestId}", async () => {
    const before = Date.now();
    const response = await sdk().request("ListAccessKeys", { TargetUin: DEPLOYER_UIN });
    await sdkErrorOf(sdk().request("DescribeInstances", {}));
    const log = (await control(sim.url, "GET", "/_sim/requests")).json as LoggedRequest[];
    expect(log).toEqual([
      {
        t: expect.any(Number),
        action: "ListAccessKeys",
        secretId: keys.admin.secretId,
        targetUin: DEPLOYER_UIN,
        outcome: "OK",
        requestId: response.RequestId,
      },
      {
        t: expect.any(Number),
        action: "DescribeInstances",
        secretId: keys.admin.secretId,
        targetUin: null,
        outcome: "InvalidAction",
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    ]);
    expect(log[0]!.t).toBeGreaterThanOrEqual(before);
  });
});

describe("the API envelope", () => {
  it("answers errors with HTTP 200, {Response:{Error:{Code,Message},RequestId}} and a UUID RequestId", async () => {
    const response = await fetch(`${sim.url}/`, {
      method: "POST",
      body: "{}",
      headers: {
        "content-type": "application/json",
        "x-tc-action": "ListUsers",
        "x-tc-version": "2019-01-16",
        "x-tc-timestamp": String(Math.floor(Date.now() / 1000)),
        authorization: "TC3-HMAC-SHA256 nonsense",
      },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      Response: { Error: { Code: string; Message: string }; RequestId: string };
    };
    expect(body.Response.Error.Code).toBe("AuthFailure.InvalidAuthorization");
    expect(body.Response.Error.Message).not.toBe("");
    expect(body.Response.RequestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("answers an unsupported version with NoSuchVersion", async () => {
    const response = await fetch(`${sim.url}/`, {
      method: "POST",
      body: "{}",
      headers: { "x-tc-action": "ListUsers", "x-tc-version": "2017-03-12" },
    });
    expect(((await response.json()) as { Response: { Error: { Code: string } } }).Response.Error.Code).toBe(
      "NoSuchVersion"
    );
  });
});

describe("POST /_sim/reset", () => {
  it("replaces state, counters, faults and the log", async () => {
    await sdk().request("CreateAccessKey", { TargetUin: EMPTY_UIN });
    await control(sim.url, "POST", "/_sim/faults", { fault: "garbage", times: 3 });
    await control(sim.url, "POST", "/_sim/reset", {
      accounts: [{ ownerUin: 5, appId: 6, users: [{ uin: 5, name: "solo" }] }],
    });
    const snapshot = await state();
    expect(snapshot.accounts).toEqual([
      { ownerUin: 5, appId: 6, users: [{ uin: 5, name: "solo", admin: true, uid: expect.any(Number), keys: [] }] },
    ]);
    expect(snapshot.counters).toEqual({});
    expect(snapshot.faults).toEqual([]);
    expect((await control(sim.url, "GET", "/_sim/requests")).json).toEqual([]);
  });

  it("refuses a bad seed with 400 naming the path, and keeps the old state", async () => {
    const reply = await control(sim.url, "POST", "/_sim/reset", {
      accounts: [{ ownerUin: 5, appId: 6, users: [{ uin: "x", name: "a" }] }],
    });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({
      problems: [{ path: "accounts[0].users[0].uin", message: 'expected a positive integer, got "x"' }],
    });
    expect((await state()).accounts[0]!.ownerUin).toBe(OWNER_UIN);
  });
});

describe("POST /_sim/faults", () => {
  it('queues faults in order for their action or for any ("*"), each for `times` requests', async () => {
    const reply = await control(sim.url, "POST", "/_sim/faults", [
      { action: "ListAccessKeys", fault: "error", code: "InternalError", times: 2 },
      { fault: "http", status: 502 },
    ]);
    expect(reply.json).toMatchObject({
      pending: [
        { action: "ListAccessKeys", times: 2 },
        { action: "*", times: 1 },
      ],
    });
    const codes: Array<string | number | undefined> = [];
    for (let i = 0; i < 3; i++) {
      const error = await sdkErrorOf(sdk().request("ListAccessKeys", { TargetUin: DEPLOYER_UIN }));
      codes.push(error.code ?? error.httpCode);
    }
    expect(codes).toEqual(["InternalError", "InternalError", 502]);
    expect((await sdk().request("ListAccessKeys", { TargetUin: DEPLOYER_UIN })).AccessKeys).toHaveLength(1);
    expect((await state()).counters.ListAccessKeys).toEqual({
      ok: 1,
      throttled: 0,
      errors: { InternalError: 2, "Fault.HttpStatus502": 1 },
    });
  });

  it("refuses a bad fault with 400 naming the field, and queues nothing", async () => {
    for (const [fault, path] of [
      [{ fault: "explode" }, "fault"],
      [{ fault: "http", status: 200 }, "status"],
      [{ fault: "latency", ms: 10, action: "Nope" }, "action"],
      [{ fault: "error" }, "code"],
    ] as const) {
      const reply = await control(sim.url, "POST", "/_sim/faults", fault);
      expect(reply.status).toBe(400);
      expect((reply.json as { problems: Array<{ path: string }> }).problems[0]!.path).toBe(path);
    }
    expect((await state()).faults).toEqual([]);
  });
});

describe("foreign keys and the clock", () => {
  it("POST /_sim/keys plants a key another actor made: id only, listed by CAM, counted in the two-key rule", async () => {
    const reply = await control(sim.url, "POST", "/_sim/keys", {
      ownerUin: OWNER_UIN,
      uin: DEPLOYER_UIN,
      status: "Inactive",
      createTime: "2024-01-02 03:04:05",
    });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.json as object).sort()).toEqual(["accessKeyId", "createTime", "lastUsedAt", "status"]);
    const { accessKeyId } = reply.json as { accessKeyId: string };
    expect(accessKeyId).toMatch(/^AKID[A-Za-z0-9]{32}$/);
    const listed = await sdk().request("ListAccessKeys", { TargetUin: DEPLOYER_UIN });
    expect(listed.AccessKeys).toContainEqual({
      AccessKeyId: accessKeyId,
      Status: "Inactive",
      CreateTime: "2024-01-02 03:04:05",
    });
    expect((await sdkErrorOf(sdk().request("CreateAccessKey", { TargetUin: DEPLOYER_UIN }))).code).toBe(
      "OperationDenied.AccessKeyOverLimit"
    );
    const third = await control(sim.url, "POST", "/_sim/keys", { ownerUin: OWNER_UIN, uin: DEPLOYER_UIN });
    expect(third.status).toBe(400);
    expect(third.text).toContain("already has two access keys");
    const stranger = await control(sim.url, "POST", "/_sim/keys", { ownerUin: OWNER_UIN, uin: 42 });
    expect(stranger.text).toContain(`no user 42 in account ${OWNER_UIN}`);
  });

  it("a seed key without a secret exists but nobody can sign with it", async () => {
    const seed = fixtureSeed(keys);
    seed.accounts![0]!.users![3]!.keys = [{ accessKeyId: "AKIDforeign0000000000000000000000000" }];
    await control(sim.url, "POST", "/_sim/reset", seed);
    expect((await userKeys(EMPTY_UIN)).map((key) => key.accessKeyId)).toEqual(["AKIDforeign0000000000000000000000000"]);
    const guess = sdk({ secretId: "AKIDforeign0000000000000000000000000", secretKey: "guess".repeat(8) });
    expect((await sdkErrorOf(guess.request("GetUserAppId", {}))).code).toBe("AuthFailure.SignatureFailure");
  });

  it("POST /_sim/clock shifts the clock the timestamp is checked against", async () => {
    expect((await control(sim.url, "POST", "/_sim/clock", { offsetSec: -301 })).json).toEqual({ clockOffsetSec: -301 });
    expect((await sdkErrorOf(sdk().request("GetUserAppId", {}))).code).toBe("AuthFailure.SignatureExpire");
    expect((await control(sim.url, "POST", "/_sim/clock", { offsetSec: "soon" })).status).toBe(400);
    await control(sim.url, "POST", "/_sim/clock", { offsetSec: 0 });
    expect((await sdk().request("GetUserAppId", {})).OwnerUin).toBe(String(OWNER_UIN));
  });

  it("answers 404 with the list of routes for an unknown control path", async () => {
    const reply = await control(sim.url, "GET", "/_sim/nope");
    expect(reply.status).toBe(404);
    expect(reply.text).toContain("POST /_sim/faults");
  });
});
