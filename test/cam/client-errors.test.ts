// The typed client's error classification for every fault the simulator can inject, through the official SDK
// and the real Redis gate: Tencent codes -> kinds, non-200 -> transient, garbage -> MalformedResponse, a lost
// response -> transient with the key created anyway, a slow answer -> Timeout.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CamErrorKind } from "../../src/cam/errors.js";
import { startCamSimulator, type RunningCamSimulator } from "../../src/cam/simulator/server.js";
import {
  camErrorOf,
  connectRedis,
  DEPLOYER_UIN,
  EMPTY_UIN,
  fixtureKeys,
  fixtureSeed,
  redisGate,
  typedClient,
} from "../support/simulator.js";

const keys = fixtureKeys();
let sim: RunningCamSimulator;
let redis: Redis;

beforeAll(async () => {
  sim = await startCamSimulator({ seed: fixtureSeed(keys) });
  redis = connectRedis();
});
afterAll(async () => {
  await sim.close();
  await redis.quit();
});
beforeEach(() => sim.simulator.reset(fixtureSeed(keys)));

const client = (options: { throttleRetries?: number; requestTimeoutSec?: number } = {}) => {
  const { gate, events } = redisGate(redis);
  const api = typedClient(
    sim.url,
    keys.admin,
    { gate, ...(options.throttleRetries === undefined ? {} : { throttleRetries: options.throttleRetries }) },
    options.requestTimeoutSec
  );
  return { api, events };
};
const keysOf = (uin: number) =>
  sim.simulator
    .snapshot()
    .accounts.flatMap((account) => account.users)
    .find((user) => user.uin === uin)!.keys;
const lastLogged = () => sim.simulator.requests().at(-1)!;

describe("Tencent error codes injected as faults", () => {
  it.each<[string, CamErrorKind]>([
    ["InternalError", "transient"],
    ["InternalError.UnknownError", "transient"],
    ["ServiceUnavailable", "transient"],
    ["ResourceUnavailable", "transient"],
    ["RequestLimitExceeded.UinLimitExceeded", "throttled"],
    ["AuthFailure.MFAFailure", "auth"],
    ["InvalidParameterValue", "invalid"],
    ["OperationDenied.UinNotMatch", "invalid"],
    ["FailedOperation", "unknown"],
  ])("%s is %s, with action, account, uin, code and the RequestId the simulator logged", async (code, kind) => {
    sim.simulator.addFaults({ action: "ListAccessKeys", fault: "error", code, times: 1 });
    const error = await camErrorOf(client({ throttleRetries: 0 }).api.listAccessKeys(DEPLOYER_UIN));
    expect(error).toMatchObject({
      kind,
      code,
      action: "ListAccessKeys",
      account: "acct-main",
      targetUin: DEPLOYER_UIN,
    });
    expect(error.requestId).toBe(lastLogged().requestId);
    expect(lastLogged()).toMatchObject({ outcome: code, fault: "error" });
    expect(error.retryable).toBe(kind === "transient" || kind === "throttled");
  });

  it("a fault for another action leaves this one alone", async () => {
    sim.simulator.addFaults({ action: "DeleteAccessKey", fault: "error", code: "InternalError" });
    expect(await client().api.listAccessKeys(DEPLOYER_UIN)).toHaveLength(1);
    expect(sim.simulator.snapshot().faults).toHaveLength(1);
  });

  it("RequestLimitExceeded is throttled: the client penalizes the gate and tries again, then gives up", async () => {
    sim.simulator.addFaults({ action: "CreateAccessKey", fault: "error", code: "RequestLimitExceeded", times: 1 });
    const first = client({ throttleRetries: 3 });
    const created = await first.api.createAccessKey(EMPTY_UIN);
    expect(keysOf(EMPTY_UIN).map((key) => key.accessKeyId)).toEqual([created.accessKeyId]);
    expect(first.events.filter((event) => event.kind === "penalized")).toHaveLength(1);

    sim.simulator.addFaults({ action: "CreateAccessKey", fault: "error", code: "RequestLimitExceeded", times: 3 });
    const second = client({ throttleRetries: 2 });
    expect(await camErrorOf(second.api.createAccessKey(EMPTY_UIN))).toMatchObject({
      kind: "throttled",
      code: "RequestLimitExceeded",
    });
    expect(second.events.filter((event) => event.kind === "penalized")).toHaveLength(2);
    expect(keysOf(EMPTY_UIN)).toHaveLength(1);
  });
});

describe("transport faults", () => {
  it("HTTP 503 is transient HttpStatus503 and changes nothing", async () => {
    sim.simulator.addFaults({ action: "CreateAccessKey", fault: "http", status: 503 });
    const error = await camErrorOf(client().api.createAccessKey(EMPTY_UIN));
    expect(error).toMatchObject({ kind: "transient", code: "HttpStatus503", targetUin: EMPTY_UIN });
    expect(keysOf(EMPTY_UIN)).toHaveLength(0);
    expect(lastLogged().outcome).toBe("Fault.HttpStatus503");
  });

  it("a 200 whose body is not JSON is transient MalformedResponse, and the body is not repeated", async () => {
    sim.simulator.addFaults({ fault: "garbage" });
    const error = await camErrorOf(client().api.listUsers());
    expect(error).toMatchObject({ kind: "transient", code: "MalformedResponse", action: "ListUsers" });
    expect(error.message).not.toContain("upstream");
  });

  it("a lost response is transient, yet the key was created: the orphan the rotator must find", async () => {
    sim.simulator.addFaults({ action: "CreateAccessKey", fault: "lostResponse" });
    const error = await camErrorOf(client().api.createAccessKey(EMPTY_UIN));
    expect(error).toMatchObject({ kind: "transient", code: "NetworkError", targetUin: EMPTY_UIN });
    expect(keysOf(EMPTY_UIN)).toHaveLength(1);
    expect(lastLogged()).toMatchObject({ outcome: "OK", fault: "lostResponse", targetUin: EMPTY_UIN });
    expect(await client().api.listAccessKeys(EMPTY_UIN)).toHaveLength(1);
  });

  it("an answer slower than requestTimeoutSec is transient Timeout; the change still lands afterwards", async () => {
    sim.simulator.addFaults({ action: "CreateAccessKey", fault: "latency", ms: 900 });
    const started = performance.now();
    const error = await camErrorOf(client({ requestTimeoutSec: 0.3 }).api.createAccessKey(EMPTY_UIN));
    expect(error).toMatchObject({ kind: "transient", code: "Timeout" });
    expect(performance.now() - started).toBeLessThan(800);
    expect(keysOf(EMPTY_UIN)).toHaveLength(0);
    await expect.poll(() => keysOf(EMPTY_UIN).length, { timeout: 2000, interval: 50 }).toBe(1);
  });

  it("latency within the timeout only slows the call down", async () => {
    sim.simulator.addFaults({ action: "GetUserAppId", fault: "latency", ms: 150 });
    const started = performance.now();
    await client().api.getUserAppId();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("a refused connection is transient NetworkError", async () => {
    const closed = await startCamSimulator({});
    await closed.close();
    const { gate } = redisGate(redis);
    const error = await camErrorOf(typedClient(closed.url, keys.admin, { gate }).getUserAppId());
    expect(error).toMatchObject({ kind: "transient", code: "NetworkError" });
    expect(error.message).toContain("ECONNREFUSED");
  });
});
