// Every simulated CAM action and every error path, driven through the official SDK: the typed client (behind
// the real Redis gate) for the domain path, the raw CommonClient where the typed client cannot go.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CamApi } from "../../src/cam/types.js";
import { startCamSimulator, type RunningCamSimulator } from "../../src/cam/simulator/server.js";
import type { SeedInput } from "../../src/cam/simulator/seed.js";
import {
  ADMIN_UIN,
  APP_ID,
  camErrorOf,
  connectRedis,
  DEPLOYER_UIN,
  EMPTY_UIN,
  fixtureKeys,
  fixtureSeed,
  OTHER_OWNER_UIN,
  OWNER_UIN,
  rawSdk,
  redisGate,
  sdkErrorOf,
  typedClient,
} from "../support/simulator.js";

const keys = fixtureKeys();
let sim: RunningCamSimulator;
let redis: Redis;
let admin: CamApi;
let root: CamApi;
let deployer: CamApi;

beforeAll(async () => {
  sim = await startCamSimulator({ seed: fixtureSeed(keys) });
  redis = connectRedis();
  const { gate } = redisGate(redis);
  admin = typedClient(sim.url, keys.admin, { gate });
  root = typedClient(sim.url, keys.root, { gate });
  deployer = typedClient(sim.url, keys.deployer, { gate });
});
afterAll(async () => {
  await sim.close();
  await redis.quit();
});
const reset = (extra: Partial<SeedInput> = {}) => sim.simulator.reset(fixtureSeed(keys, extra));
beforeEach(() => reset());

const keysOf = (uin: number) =>
  sim.simulator
    .snapshot()
    .accounts.flatMap((account) => account.users)
    .find((user) => user.uin === uin)?.keys ?? [];

describe("CreateAccessKey", () => {
  it("creates a real-looking Active key that works at once and is shown in CreateTime as UTC+8", async () => {
    const before = Date.now();
    const created = await admin.createAccessKey(EMPTY_UIN);
    expect(created.accessKeyId).toMatch(/^AKID[A-Za-z0-9]{32}$/);
    expect(created.secretAccessKey).toMatch(/^[A-Za-z0-9]{32,}$/);
    expect(created.status).toBe("Active");
    const shown = created.createdAt; // the client reads CreateTime as UTC+8
    expect(shown).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(shown).toBeLessThanOrEqual(Date.now());
    const identity = await admin.whoAmI({ secretId: created.accessKeyId, secretKey: created.secretAccessKey });
    expect(identity).toEqual({
      accountId: String(OWNER_UIN),
      userId: String(EMPTY_UIN),
      principalId: String(EMPTY_UIN),
      type: "CAMUser",
      arn: `qcs::cam::uin/${OWNER_UIN}:uin/${EMPTY_UIN}`,
    });
    expect(keysOf(EMPTY_UIN).map((key) => key.accessKeyId)).toEqual([created.accessKeyId]);
  });

  it("an empty TargetUin means the caller itself (raw SDK, no TargetUin sent)", async () => {
    const response = await rawSdk(`127.0.0.1:${sim.port}`, keys.deployer).request("CreateAccessKey", {
      Description: "mine",
    });
    expect(response.AccessKey.Description).toBe("mine");
    expect(keysOf(DEPLOYER_UIN).map((key) => key.accessKeyId)).toContain(response.AccessKey.AccessKeyId);
  });

  it("refuses a third key, whatever the status of the two, with OperationDenied.AccessKeyOverLimit (overLimit)", async () => {
    const second = await admin.createAccessKey(DEPLOYER_UIN);
    await admin.updateAccessKey(DEPLOYER_UIN, second.accessKeyId, "Inactive");
    const error = await camErrorOf(admin.createAccessKey(DEPLOYER_UIN));
    expect(error).toMatchObject({
      kind: "overLimit",
      code: "OperationDenied.AccessKeyOverLimit",
      action: "CreateAccessKey",
      account: "acct-main",
      targetUin: DEPLOYER_UIN,
    });
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(keysOf(DEPLOYER_UIN)).toHaveLength(2);
  });

  it("rejects a Description over 1024 characters with InvalidParameter (invalid)", async () => {
    const error = await sdkErrorOf(
      rawSdk(`127.0.0.1:${sim.port}`, keys.admin).request("CreateAccessKey", {
        TargetUin: EMPTY_UIN,
        Description: "d".repeat(1025),
      })
    );
    expect(error.code).toBe("InvalidParameter");
    expect(error.message).toContain("Description");
    expect(keysOf(EMPTY_UIN)).toHaveLength(0);
  });
});

describe("ListAccessKeys", () => {
  it("lists a user's keys without secrets; an empty list comes back as null and the client makes it []", async () => {
    expect(await admin.listAccessKeys(DEPLOYER_UIN)).toEqual([
      { accessKeyId: keys.deployer.secretId, status: "Active", createdAt: Date.parse("2025-06-01T00:00:00Z") }, // seeded "2025-06-01 08:00:00", UTC+8
    ]);
    expect(await admin.listAccessKeys(EMPTY_UIN)).toEqual([]);
    const raw = await rawSdk(`127.0.0.1:${sim.port}`, keys.admin).request("ListAccessKeys", { TargetUin: EMPTY_UIN });
    expect(raw.AccessKeys).toBeNull();
    const own = await rawSdk(`127.0.0.1:${sim.port}`, keys.deployer).request("ListAccessKeys", {});
    expect(JSON.stringify(own)).not.toContain(keys.deployer.secretKey);
    expect(Object.keys(own.AccessKeys[0]).sort()).toEqual(["AccessKeyId", "CreateTime", "Status"]);
  });
});

describe("UpdateAccessKey", () => {
  it("disables a key: it is listed Inactive and signing with it gets AuthFailure.SecretIdNotFound until re-enabled", async () => {
    await admin.updateAccessKey(DEPLOYER_UIN, keys.deployer.secretId, "Inactive");
    expect((await admin.listAccessKeys(DEPLOYER_UIN))[0]!.status).toBe("Inactive");
    const error = await camErrorOf(deployer.getUserAppId());
    expect(error).toMatchObject({ kind: "auth", code: "AuthFailure.SecretIdNotFound" });
    await admin.updateAccessKey(DEPLOYER_UIN, keys.deployer.secretId, "Active");
    expect((await deployer.getUserAppId()).uin).toBe(String(DEPLOYER_UIN));
  });

  it("rejects a bad Status with InvalidParameter and a missing AccessKeyId with MissingParameter", async () => {
    const sdk = rawSdk(`127.0.0.1:${sim.port}`, keys.admin);
    const badStatus = await sdkErrorOf(
      sdk.request("UpdateAccessKey", { TargetUin: DEPLOYER_UIN, AccessKeyId: keys.deployer.secretId, Status: "Paused" })
    );
    expect(badStatus.code).toBe("InvalidParameter");
    expect(badStatus.message).toContain('Status: expected "Active" or "Inactive", got "Paused"');
    const missing = await sdkErrorOf(sdk.request("UpdateAccessKey", { TargetUin: DEPLOYER_UIN, Status: "Inactive" }));
    expect(missing.code).toBe("MissingParameter");
    const unknown = await sdkErrorOf(sdk.request("ListAccessKeys", { TargetUin: DEPLOYER_UIN, Limit: 5 }));
    expect(unknown.code).toBe("UnknownParameter");
    expect(keysOf(DEPLOYER_UIN)[0]!.status).toBe("Active");
  });
});

describe("DeleteAccessKey", () => {
  it('deletes a key; the key then signs nothing and a second delete is ResourceNotFound.SecretNotExist ("gone")', async () => {
    expect(await admin.deleteAccessKey(DEPLOYER_UIN, keys.deployer.secretId)).toBe("done");
    expect(await admin.listAccessKeys(DEPLOYER_UIN)).toEqual([]);
    expect(await camErrorOf(deployer.listAccessKeys(DEPLOYER_UIN))).toMatchObject({
      kind: "auth",
      code: "AuthFailure.SecretIdNotFound",
    });
    const second = await sdkErrorOf(
      rawSdk(`127.0.0.1:${sim.port}`, keys.admin).request("DeleteAccessKey", {
        TargetUin: DEPLOYER_UIN,
        AccessKeyId: keys.deployer.secretId,
      })
    );
    expect(second.code).toBe("ResourceNotFound.SecretNotExist");
    // The typed client reads that code as a typed outcome: the key is gone, so a retried delete is done.
    expect(await admin.deleteAccessKey(DEPLOYER_UIN, keys.deployer.secretId)).toBe("gone");
  });

  it("with requireInactiveBeforeDelete (seed switch), an Active key gets FailedOperation.Accesskey and stays", async () => {
    reset({ requireInactiveBeforeDelete: true });
    const error = await camErrorOf(admin.deleteAccessKey(DEPLOYER_UIN, keys.deployer.secretId));
    expect(error.code).toBe("FailedOperation.Accesskey");
    expect(keysOf(DEPLOYER_UIN)).toHaveLength(1);
    await admin.updateAccessKey(DEPLOYER_UIN, keys.deployer.secretId, "Inactive");
    await admin.deleteAccessKey(DEPLOYER_UIN, keys.deployer.secretId);
    expect(keysOf(DEPLOYER_UIN)).toHaveLength(0);
  });
});

describe("GetSecurityLastUsed", () => {
  it("reports each signing key's last use (ms and UTC+8 date), null when never used, and no row for unknown ids", async () => {
    const before = Date.now();
    await deployer.getUserAppId();
    const after = Date.now();
    const rows = await admin.getSecurityLastUsed([
      keys.deployer.secretId,
      keys.root.secretId,
      "AKIDunknown",
      keys.other.secretId,
    ]);
    expect(rows.map((row) => row.secretId)).toEqual([keys.deployer.secretId, keys.root.secretId]);
    const [used, unused] = rows;
    expect(used!.lastUsedAt).toBeGreaterThanOrEqual(before);
    expect(used!.lastUsedAt).toBeLessThanOrEqual(after);
    expect(used!.lastUsedDay).toBe(
      Date.parse(`${new Date(used!.lastUsedAt! + 8 * 3600_000).toISOString().slice(0, 10)}T00:00:00Z`)
    );
    expect(unused).toEqual({ secretId: keys.root.secretId, lastUsedDay: null, lastUsedAt: null });
  });

  it("records failed calls too, as long as the signature was good", async () => {
    await camErrorOf(deployer.listAccessKeys(EMPTY_UIN)); // UnauthorizedOperation, but signed by the deployer key
    const [row] = await admin.getSecurityLastUsed([keys.deployer.secretId]);
    expect(row!.lastUsedAt).not.toBeNull();
  });

  it("shows a non-admin only its own keys", async () => {
    const rows = await deployer.getSecurityLastUsed([keys.deployer.secretId, keys.admin.secretId]);
    expect(rows.map((row) => row.secretId)).toEqual([keys.deployer.secretId]);
  });

  it("takes at most 10 ids per call: 11 is InvalidParameter, and the client splits longer lists", async () => {
    const ids = Array.from({ length: 11 }, (_, i) => (i === 0 ? keys.deployer.secretId : `AKIDnone${i}`));
    const error = await sdkErrorOf(
      rawSdk(`127.0.0.1:${sim.port}`, keys.admin).request("GetSecurityLastUsed", { SecretIdList: ids })
    );
    expect(error.code).toBe("InvalidParameter");
    expect(error.message).toContain("SecretIdList");
    expect((await admin.getSecurityLastUsed([...ids, keys.root.secretId])).map((row) => row.secretId)).toEqual([
      keys.deployer.secretId,
      keys.root.secretId,
    ]);
    expect(
      sim.simulator.requests().filter((r) => r.action === "GetSecurityLastUsed" && r.outcome === "OK")
    ).toHaveLength(2);
  });
});

describe("ListUsers and GetUserAppId", () => {
  it("lists the account's sub-users (not the main account) for an admin", async () => {
    const users = await admin.listUsers();
    expect(users.map((user) => user.uin)).toEqual([ADMIN_UIN, DEPLOYER_UIN, EMPTY_UIN]);
    expect(users[1]).toMatchObject({ uin: DEPLOYER_UIN, name: "deployer", remark: "ci" });
    expect(typeof users[1]!.uid).toBe("number");
  });

  it("refuses ListUsers to a non-admin with AuthFailure.UnauthorizedOperation (auth)", async () => {
    expect(await camErrorOf(deployer.listUsers())).toMatchObject({
      kind: "auth",
      code: "AuthFailure.UnauthorizedOperation",
    });
  });

  it("tells each caller who it is", async () => {
    expect(await root.getUserAppId()).toEqual({ uin: String(OWNER_UIN), ownerUin: String(OWNER_UIN), appId: APP_ID });
    expect(await deployer.getUserAppId()).toEqual({
      uin: String(DEPLOYER_UIN),
      ownerUin: String(OWNER_UIN),
      appId: APP_ID,
    });
  });
});

describe("permissions", () => {
  it("lets a non-admin manage its own keys only; another user's are AuthFailure.UnauthorizedOperation", async () => {
    expect(await deployer.listAccessKeys(DEPLOYER_UIN)).toHaveLength(1);
    const error = await camErrorOf(deployer.createAccessKey(EMPTY_UIN));
    expect(error).toMatchObject({ kind: "auth", code: "AuthFailure.UnauthorizedOperation", targetUin: EMPTY_UIN });
    expect(keysOf(EMPTY_UIN)).toHaveLength(0);
  });

  it("gives InvalidParameter.UserNotExist (notFound) for a TargetUin outside the admin's account", async () => {
    for (const uin of [OTHER_OWNER_UIN, 999]) {
      expect(await camErrorOf(admin.listAccessKeys(uin))).toMatchObject({
        kind: "notFound",
        code: "InvalidParameter.UserNotExist",
      });
    }
  });

  it("gives ResourceNotFound.SecretNotExist for a key id the target user does not own", async () => {
    const error = await sdkErrorOf(
      rawSdk(`127.0.0.1:${sim.port}`, keys.admin).request("UpdateAccessKey", {
        TargetUin: EMPTY_UIN,
        AccessKeyId: keys.deployer.secretId,
        Status: "Inactive",
      })
    );
    expect(error.code).toBe("ResourceNotFound.SecretNotExist");
    expect(await admin.updateAccessKey(EMPTY_UIN, keys.deployer.secretId, "Inactive")).toBe("gone");
    expect(keysOf(DEPLOYER_UIN)[0]!.status).toBe("Active");
  });

  it("lets the main account manage sub-users, but an admin sub-user not the main account (OperationDenied.SubUin)", async () => {
    expect(await root.listAccessKeys(DEPLOYER_UIN)).toHaveLength(1);
    expect(await camErrorOf(admin.listAccessKeys(OWNER_UIN))).toMatchObject({
      code: "OperationDenied.SubUin",
      kind: "invalid",
    });
  });
});

describe("authentication through the SDK", () => {
  it("a wrong secret is AuthFailure.SignatureFailure, an unknown SecretId AuthFailure.SecretIdNotFound", async () => {
    const wrongSecret = typedClient(
      sim.url,
      { ...keys.deployer, secretKey: "x".repeat(40) },
      { gate: redisGate(redis).gate }
    );
    expect(await camErrorOf(wrongSecret.getUserAppId())).toMatchObject({
      kind: "auth",
      code: "AuthFailure.SignatureFailure",
    });
    const unknown = typedClient(
      sim.url,
      { secretId: "AKIDnobody", secretKey: "x".repeat(40) },
      { gate: redisGate(redis).gate }
    );
    expect(await camErrorOf(unknown.getUserAppId())).toMatchObject({
      kind: "auth",
      code: "AuthFailure.SecretIdNotFound",
    });
  });

  it("a clock more than 300 s off is AuthFailure.SignatureExpire; 200 s is fine", async () => {
    sim.simulator.setClockOffset({ offsetSec: 400 });
    expect(await camErrorOf(deployer.getUserAppId())).toMatchObject({
      kind: "auth",
      code: "AuthFailure.SignatureExpire",
    });
    sim.simulator.setClockOffset({ offsetSec: -200 });
    expect((await deployer.getUserAppId()).uin).toBe(String(DEPLOYER_UIN));
  });

  it("an unsigned request (the SDK's skipSign) is AuthFailure.InvalidAuthorization", async () => {
    const error = await sdkErrorOf(
      rawSdk(`127.0.0.1:${sim.port}`, keys.admin).request("GetUserAppId", {}, { skipSign: true })
    );
    expect(error.code).toBe("AuthFailure.InvalidAuthorization");
  });

  it("an unknown action is InvalidAction", async () => {
    const error = await sdkErrorOf(rawSdk(`127.0.0.1:${sim.port}`, keys.admin).request("DescribeInstances", {}));
    expect(error.code).toBe("InvalidAction");
  });
});

describe("the SDK's endpoint quirks", () => {
  it('verifies the raw SDK at 127.0.0.1:PORT (scope service "127", port-less signed host) unless cam is required', async () => {
    const response = await rawSdk(`127.0.0.1:${sim.port}`, keys.deployer).request("GetUserAppId", {});
    expect(response.Uin).toBe(String(DEPLOYER_UIN));
    const strict = await startCamSimulator({
      seed: fixtureSeed(keys),
      requireService: true,
      requireInactiveBeforeDelete: true,
    });
    try {
      const error = await sdkErrorOf(rawSdk(`127.0.0.1:${strict.port}`, keys.deployer).request("GetUserAppId", {}));
      expect(error.code).toBe("AuthFailure.SignatureFailure");
      // The typed client keeps cam.tencentcloudapi.com as the signed host, so its scope says "cam".
      const client = typedClient(strict.url, keys.admin, { gate: redisGate(redis).gate });
      expect((await client.getUserAppId()).uin).toBe(String(ADMIN_UIN));
      expect(await camErrorOf(client.deleteAccessKey(DEPLOYER_UIN, keys.deployer.secretId))).toMatchObject({
        code: "FailedOperation.Accesskey",
      });
    } finally {
      await strict.close();
    }
  });
});

describe("rate limits", () => {
  it("counts requests that fail business rules, and a throttled request changes nothing", async () => {
    reset({ rateLimits: { CreateAccessKey: 2 } });
    const sdk = rawSdk(`127.0.0.1:${sim.port}`, keys.admin);
    await sdk.request("CreateAccessKey", { TargetUin: DEPLOYER_UIN });
    expect((await sdkErrorOf(sdk.request("CreateAccessKey", { TargetUin: DEPLOYER_UIN }))).code).toBe(
      "OperationDenied.AccessKeyOverLimit"
    );
    const throttled = await sdkErrorOf(sdk.request("CreateAccessKey", { TargetUin: EMPTY_UIN }));
    expect(throttled.code).toBe("RequestLimitExceeded");
    expect(keysOf(EMPTY_UIN)).toHaveLength(0);
    expect(sim.simulator.snapshot().counters.CreateAccessKey).toEqual({
      ok: 1,
      throttled: 1,
      errors: { "OperationDenied.AccessKeyOverLimit": 1 },
    });
  });

  it("limits per account: another account's calls do not use this account's window", async () => {
    reset({ rateLimits: { GetUserAppId: 1 } });
    await rawSdk(`127.0.0.1:${sim.port}`, keys.admin).request("GetUserAppId", {});
    await rawSdk(`127.0.0.1:${sim.port}`, keys.other).request("GetUserAppId", {});
    const error = await sdkErrorOf(rawSdk(`127.0.0.1:${sim.port}`, keys.deployer).request("GetUserAppId", {}));
    expect(error.code).toBe("RequestLimitExceeded");
  });
});
