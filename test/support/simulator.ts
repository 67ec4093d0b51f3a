// Shared fixtures for tests that drive the CAM simulator: a seed with known keys, the typed client behind the
// real Redis gate, the raw SDK, and the control plane over HTTP.
import { randomUUID } from "node:crypto";
import { Agent } from "node:http";
import { Redis } from "ioredis";
import tencentcloud from "tencentcloud-sdk-nodejs-common";
import { inject } from "vitest";
import { createCamClient, type CamClientDeps } from "../../src/cam/client.js";
import { CamError } from "../../src/cam/errors.js";
import { createRedisGate, type LimiterEvent } from "../../src/cam/limiter/redis-gate.js";
import type { CamApi, CamCredentials } from "../../src/cam/types.js";
import { randomAlphanumeric } from "../../src/cam/simulator/ids.js";
import type { SeedInput } from "../../src/cam/simulator/seed.js";

export const OWNER_UIN = 100000000001;
export const APP_ID = 1300000001;
export const ADMIN_UIN = 100000000002;
export const DEPLOYER_UIN = 100000000011;
export const EMPTY_UIN = 100000000012;
export const OTHER_OWNER_UIN = 200000000001;

const newKey = (): CamCredentials => ({ secretId: `AKID${randomAlphanumeric(32)}`, secretKey: randomAlphanumeric(40) });

/** Fresh keys per test file: root (main account), an admin sub-user, a plain deployer, another account's root. */
export function fixtureKeys() {
  return { root: newKey(), admin: newKey(), deployer: newKey(), other: newKey() };
}
export type FixtureKeys = ReturnType<typeof fixtureKeys>;

const seedKey = (key: CamCredentials, createTime = "2026-01-01 00:00:00") => ({
  accessKeyId: key.secretId,
  secretAccessKey: key.secretKey,
  status: "Active" as const,
  createTime,
});

export function fixtureSeed(keys: FixtureKeys, extra: Partial<SeedInput> = {}): SeedInput {
  return {
    accounts: [
      {
        ownerUin: OWNER_UIN,
        appId: APP_ID,
        users: [
          { uin: OWNER_UIN, name: "root", keys: [seedKey(keys.root)] },
          { uin: ADMIN_UIN, name: "rotator", admin: true, keys: [seedKey(keys.admin)] },
          { uin: DEPLOYER_UIN, name: "deployer", remark: "ci", keys: [seedKey(keys.deployer, "2025-06-01 08:00:00")] },
          { uin: EMPTY_UIN, name: "reporter", keys: [] },
        ],
      },
      {
        ownerUin: OTHER_OWNER_UIN,
        appId: 1300000002,
        users: [{ uin: OTHER_OWNER_UIN, name: "other-root", keys: [seedKey(keys.other)] }],
      },
    ],
    ...extra,
  };
}

/** The real limiter in front of the typed client, isolated by a fresh prefix; events are kept for assertions. */
export function redisGate(redis: Redis) {
  const events: LimiterEvent[] = [];
  const gate = createRedisGate({
    redis,
    prefix: `t-${randomUUID()}`,
    penaltyMs: 20,
    observe: (event) => events.push(event),
  });
  return { gate, events };
}

export function connectRedis(): Redis {
  return new Redis(inject("redisUrl"));
}

export function typedClient(
  url: string,
  credentials: CamCredentials,
  deps: CamClientDeps,
  requestTimeoutSec = 5
): CamApi {
  return createCamClient({ name: "acct-main", endpoint: url, credentials, requestTimeoutSec }, deps);
}

/**
 * The official SDK with nothing in between, pointed at `endpoint` (e.g. "127.0.0.1:PORT": scope service "127",
 * Host header with the port, signed host without). A plain agent keeps http_proxy out of it.
 */
export function rawSdk(endpoint: string, credentials: CamCredentials, reqTimeout = 5) {
  return new tencentcloud.CommonClient(endpoint, "2019-01-16", {
    credential: credentials,
    profile: { httpProfile: { endpoint, protocol: "http://", reqTimeout, agent: new Agent() }, language: "en-US" },
  });
}

/** The rejection of `promise` (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

export async function camErrorOf(promise: Promise<unknown>): Promise<CamError> {
  const error = await rejectionOf(promise);
  if (!(error instanceof CamError)) throw new Error(`expected a CamError, got ${String(error)}`);
  return error;
}

/** The SDK's error shape: `code` on API errors, `httpCode` on non-200. */
export async function sdkErrorOf(
  promise: Promise<unknown>
): Promise<{ code?: string; requestId?: string; httpCode?: number; message: string }> {
  return (await rejectionOf(promise)) as { code?: string; requestId?: string; httpCode?: number; message: string };
}

export async function control(
  url: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown
): Promise<{ status: number; text: string; json: unknown }> {
  const response = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) };
}
