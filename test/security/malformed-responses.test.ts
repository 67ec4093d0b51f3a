// P8 for the CAM side: whatever comes back (garbage, missing fields, wrong types, bodies of several MB, `null`,
// odd statuses, cut connections), the typed client (official SDK + the real Redis gate) turns it into a
// classified CamError that names the action and never echoes a secret, and nothing escapes as an unhandled
// error that would crash the worker.
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { CAM_ACTIONS, type CamAction } from "../../src/cam/actions.js";
import { createCamClient } from "../../src/cam/client.js";
import { CamError, type CamErrorKind } from "../../src/cam/errors.js";
import { createRedisGate } from "../../src/cam/limiter/redis-gate.js";
import { newSecretAccessKey } from "../../src/cam/simulator/ids.js";
import type { CamApi } from "../../src/cam/types.js";
import {
  hangUp,
  ok,
  slow,
  startMalformedServer,
  status,
  truncated,
  type Answer,
  type MalformedServer,
} from "./malformed-server.js";

const SECRET = newSecretAccessKey();
const UIN = 100000000011;
const MB = 1024 * 1024;

let server: MalformedServer;
let redis: Redis;
let cam: CamApi;
const unhandled: unknown[] = [];
const onUnhandled = (error: unknown) => unhandled.push(error);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  process.on("uncaughtException", onUnhandled);
  server = await startMalformedServer();
  redis = new Redis(inject("redisUrl"));
  // The real gate, with a generous limit so that a few hundred fuzz cases do not wait for slots.
  const gate = createRedisGate({ redis, prefix: `t-${randomUUID()}`, limitFor: () => 1_000, penaltyMs: 1 });
  cam = createCamClient(
    {
      name: "fuzz",
      endpoint: server.url,
      credentials: { secretId: "AKIDfuzzfuzzfuzzfuzz", secretKey: "k".repeat(32) },
      requestTimeoutSec: 2,
    },
    { gate, throttleRetries: 1 }
  );
});
afterAll(async () => {
  await server.close();
  await redis.quit();
  process.off("unhandledRejection", onUnhandled);
  process.off("uncaughtException", onUnhandled);
});

/** One call of `action` with harmless arguments. */
function call(action: CamAction): Promise<unknown> {
  switch (action) {
    case "CreateAccessKey":
      return cam.createAccessKey(UIN);
    case "ListAccessKeys":
      return cam.listAccessKeys(UIN);
    case "UpdateAccessKey":
      return cam.updateAccessKey(UIN, "AKIDabcdefgh", "Inactive");
    case "DeleteAccessKey":
      return cam.deleteAccessKey(UIN, "AKIDabcdefgh");
    case "GetSecurityLastUsed":
      return cam.getSecurityLastUsed(["AKIDabcdefgh"]);
    case "ListUsers":
      return cam.listUsers();
    case "GetUserAppId":
      return cam.getUserAppId();
    case "GetCallerIdentity":
      return cam.whoAmI({ secretId: "AKIDfuzzfuzzfuzzfuzz", secretKey: "k".repeat(32) });
    default: {
      const unknown: never = action;
      throw new Error(`no call for ${String(unknown)}`);
    }
  }
}

async function outcomeOf(
  action: CamAction,
  answer: Answer
): Promise<{ resolved: true } | { resolved: false; error: unknown }> {
  server.answer(answer);
  try {
    await call(action);
    return { resolved: true };
  } catch (error) {
    return { resolved: false, error };
  }
}

async function camErrorFor(action: CamAction, answer: Answer): Promise<CamError> {
  const outcome = await outcomeOf(action, answer);
  if (outcome.resolved) throw new Error(`${action} resolved on a malformed answer`);
  expect(outcome.error).toBeInstanceOf(CamError);
  const error = outcome.error as CamError;
  expect(error.action).toBe(action);
  expect(error.account).toBe("fuzz");
  expect(error.message).not.toContain(SECRET);
  return error;
}

const envelope = (response: unknown) => ({ Response: response });
const goodKey = { AccessKeyId: "AKIDabcdefgh", Status: "Active", CreateTime: "2026-01-01 08:00:00" };

describe("malformed CAM answers become classified CamErrors", () => {
  it.each<[string, CamAction, Answer, CamErrorKind, string | RegExp]>([
    [
      "a 200 that is not JSON",
      "ListAccessKeys",
      ok("<html>upstream said something odd</html>"),
      "transient",
      "MalformedResponse",
    ],
    ["an empty 200", "ListAccessKeys", ok(""), "transient", "MalformedResponse"],
    ["the JSON literal null", "ListAccessKeys", ok("null"), "transient", "MalformedResponse"],
    ["a JSON number", "GetUserAppId", ok("42"), "transient", "MalformedResponse"],
    ["an empty object", "ListAccessKeys", ok({}), "transient", "MalformedResponse"],
    ["Response: null", "ListUsers", ok(envelope(null)), "transient", "MalformedResponse"],
    ["Response: a string", "ListUsers", ok(envelope("fine")), "transient", "MalformedResponse"],
    [
      "a Response without the data",
      "CreateAccessKey",
      ok(envelope({ RequestId: "r-1" })),
      "transient",
      "MalformedResponse",
    ],
    [
      "a new key without its AccessKeyId",
      "CreateAccessKey",
      ok(
        envelope({
          AccessKey: { SecretAccessKey: SECRET, Status: "Active", CreateTime: "2026-01-01 08:00:00" },
          RequestId: "r-2",
        })
      ),
      "transient",
      "MalformedResponse",
    ],
    [
      "a new key with an empty secret",
      "CreateAccessKey",
      ok(envelope({ AccessKey: { ...goodKey, SecretAccessKey: "" }, RequestId: "r-3" })),
      "transient",
      "MalformedResponse",
    ],
    [
      "a new key whose status is not a status",
      "CreateAccessKey",
      ok(envelope({ AccessKey: { ...goodKey, Status: "Maybe", SecretAccessKey: SECRET }, RequestId: "r-4" })),
      "transient",
      "MalformedResponse",
    ],
    [
      "AccessKeys as a string",
      "ListAccessKeys",
      ok(envelope({ AccessKeys: "none", RequestId: "r-5" })),
      "transient",
      "MalformedResponse",
    ],
    [
      "a key id of the wrong type",
      "ListAccessKeys",
      ok(envelope({ AccessKeys: [{ ...goodKey, AccessKeyId: 12345 }], RequestId: "r-6" })),
      "transient",
      "MalformedResponse",
    ],
    [
      "a CreateTime in another format",
      "ListAccessKeys",
      ok(envelope({ AccessKeys: [{ ...goodKey, CreateTime: "yesterday" }], RequestId: "r-7" })),
      "transient",
      "MalformedResponse",
    ],
    // A row with a negative UIN is skipped, not fatal (issue 11): see "odd list rows" below. The list itself still counts.
    [
      "Data as a string",
      "ListUsers",
      ok(envelope({ Data: "everyone", RequestId: "r-8" })),
      "transient",
      "MalformedResponse",
    ],
    [
      "AppId as a string",
      "GetUserAppId",
      ok(envelope({ Uin: "1", OwnerUin: "1", AppId: "1300", RequestId: "r-9" })),
      "transient",
      "MalformedResponse",
    ],
    [
      "an error whose Code is a number",
      "ListAccessKeys",
      ok(envelope({ Error: { Code: 500, Message: "odd" }, RequestId: "r-10" })),
      "transient",
      /^(NetworkError|MalformedResponse)$/,
    ],
    [
      "an error whose Code carries a line break",
      "ListAccessKeys",
      ok(envelope({ Error: { Code: "InternalError\nX-Injected: 1", Message: "odd" }, RequestId: "r-11" })),
      "transient",
      /^(NetworkError|MalformedResponse)$/,
    ],
    [
      "an unknown error code",
      "DeleteAccessKey",
      ok(envelope({ Error: { Code: "Totally.Unheard.Of", Message: "?" }, RequestId: "r-12" })),
      "unknown",
      "Totally.Unheard.Of",
    ],
    [
      "HTTP 500 with a JSON body",
      "ListAccessKeys",
      status(500, JSON.stringify(envelope({ RequestId: "r" })), "application/json"),
      "transient",
      "HttpStatus500",
    ],
    ["HTTP 503 with HTML", "CreateAccessKey", status(503, "<h1>busy</h1>", "text/html"), "transient", "HttpStatus503"],
    [
      "HTTP 302 to elsewhere",
      "GetUserAppId",
      (_request, response) => {
        response.writeHead(302, { location: "http://127.0.0.1:1/" });
        response.end();
      },
      "transient",
      /^(HttpStatus302|NetworkError)$/,
    ],
    [
      "a body cut short",
      "ListAccessKeys",
      truncated(4096, '{"Response":{"AccessKeys":['),
      "transient",
      /^(NetworkError|MalformedResponse|Timeout)$/,
    ],
    ["a connection closed without an answer", "UpdateAccessKey", hangUp, "transient", "NetworkError"],
    [
      "an answer slower than the request timeout",
      "GetUserAppId",
      slow(3_000, ok(envelope({ RequestId: "late" }))),
      "transient",
      /^(Timeout|NetworkError)$/,
    ],
    [
      "invalid UTF-8 bytes between JSON tokens",
      "ListUsers",
      ok(Buffer.concat([Buffer.from('{"Response":{"Data":'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from("[]}}")])),
      "transient",
      "MalformedResponse",
    ],
  ])("%s (%s)", async (_name, action, answer, kind, code) => {
    const error = await camErrorFor(action, answer);
    expect(error.kind).toBe(kind);
    if (typeof code === "string") expect(error.code).toBe(code);
    else expect(error.code).toMatch(code);
  });

  it("odd list rows (a negative UIN, a row that is not an object) are skipped; the rest of the list is read", async () => {
    server.answer(
      ok(envelope({ Data: [{ Uin: -1, Name: "x" }, "row", { Uin: UIN, Name: "kept" }], RequestId: "r-13" }))
    );
    expect(await cam.listUsers()).toEqual([{ uin: UIN, name: "kept" }]);
    server.answer(ok(envelope({ SecretIdLastUsedRows: [{ SecretId: 5 }, null], RequestId: "r-14" })));
    expect(await cam.getSecurityLastUsed(["AKIDabcdefgh"])).toEqual([]);
  });

  it("a body of several MB: 8 MB that is not JSON, 8 MB of JSON in the wrong shape, and 8 MB of nesting", async () => {
    const garbage = await camErrorFor("ListAccessKeys", ok("x".repeat(8 * MB), "text/plain"));
    expect(garbage).toMatchObject({ kind: "transient", code: "MalformedResponse" });

    const wrongShape = await camErrorFor(
      "ListAccessKeys",
      ok(
        envelope({
          AccessKeys: Array.from({ length: 120_000 }, (_, i) => ({ AccessKeyId: i, Secret: SECRET })),
          RequestId: "big",
        })
      )
    );
    expect(wrongShape).toMatchObject({ kind: "transient", code: "MalformedResponse" });
    expect(wrongShape.message.length).toBeLessThan(1_000);

    const deep = await camErrorFor("ListUsers", ok(`${"[".repeat(4 * MB)}${"]".repeat(4 * MB)}`));
    expect(deep.kind).toBe("transient");
  });

  it("a huge error message is capped and a huge RequestId is not trusted blindly", async () => {
    const error = await camErrorFor(
      "ListAccessKeys",
      ok(envelope({ Error: { Code: "InternalError", Message: "m".repeat(2 * MB) }, RequestId: "r".repeat(300) }))
    );
    expect(error).toMatchObject({ kind: "transient", code: "InternalError" });
    expect(error.message.length).toBeLessThan(1_000);
  });

  it("property: any JSON body for any action is a success that parsed, or a CamError (never anything else)", async () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.jsonValue().map((value) => ({ Response: value })),
      fc
        .dictionary(
          fc.constantFrom(
            "AccessKey",
            "AccessKeys",
            "Data",
            "Error",
            "Uin",
            "AppId",
            "OwnerUin",
            "SecretIdLastUsedRows",
            "RequestId"
          ),
          fc.jsonValue()
        )
        .map((response) => ({ Response: response }))
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CAM_ACTIONS), body, async (action, value) => {
        const outcome = await outcomeOf(action, ok(JSON.stringify(value)));
        if (outcome.resolved) return;
        if (!(outcome.error instanceof CamError))
          throw new Error(`${action} threw ${String(outcome.error)} for ${JSON.stringify(value).slice(0, 200)}`);
        expect(outcome.error.action).toBe(action);
      }),
      { numRuns: 150 }
    );
  });

  it("no malformed answer escaped as an unhandled error", () => {
    expect(unhandled).toEqual([]);
  });
});
