// The simulator throttles by itself: a strict rolling one-second window per account and action. A burst through
// the raw SDK with no limiter in front must never get more than the limit admitted in any rolling second.
import { request as httpRequest } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RollingWindow } from "../../src/cam/simulator/rate-window.js";
import type { LoggedRequest } from "../../src/cam/simulator/request-log.js";
import { startCamSimulator, type RunningCamSimulator } from "../../src/cam/simulator/server.js";
import { control, fixtureKeys, OWNER_UIN, rawSdk } from "../support/simulator.js";

/** Admitted times (ms) such that some rolling window (t - 1000, t] holds more than `limit` of them, if any. */
function overfullWindow(times: number[], limit: number): number[] | undefined {
  const sorted = [...times].sort((a, b) => a - b);
  for (let end = 0; end < sorted.length; end++) {
    const inWindow = sorted.filter((t) => t > sorted[end]! - 1000 && t <= sorted[end]!);
    if (inWindow.length > limit) return inWindow;
  }
  return undefined;
}

describe("RollingWindow", () => {
  it("admits exactly when fewer than `limit` were admitted in the last 1000 ms (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 80 }),
        (limit, gaps) => {
          const window = new RollingWindow();
          const admitted: number[] = [];
          let now = 1_000_000;
          for (const gap of gaps) {
            now += gap;
            const recent = admitted.filter((t) => t > now - 1000).length;
            expect(window.tryAdmit("acct/Create", limit, now)).toBe(recent < limit);
            if (recent < limit) admitted.push(now);
          }
          expect(overfullWindow(admitted, limit)).toBeUndefined();
        }
      )
    );
  });

  it("keeps account/action pairs apart", () => {
    const window = new RollingWindow();
    expect(window.tryAdmit("a/Create", 1, 0)).toBe(true);
    expect(window.tryAdmit("b/Create", 1, 0)).toBe(true);
    expect(window.tryAdmit("a/Delete", 1, 0)).toBe(true);
    expect(window.tryAdmit("a/Create", 1, 999)).toBe(false);
    expect(window.tryAdmit("a/Create", 1, 1000)).toBe(true);
  });
});

describe("a burst of CreateAccessKey with no limiter in front", () => {
  const keys = fixtureKeys();
  const users = Array.from({ length: 40 }, (_, i) => ({ uin: OWNER_UIN + 100 + i, name: `svc-${i}`, keys: [] }));
  let sim: RunningCamSimulator;

  beforeAll(async () => {
    sim = await startCamSimulator({
      seed: {
        accounts: [
          {
            ownerUin: OWNER_UIN,
            appId: 1,
            users: [
              {
                uin: OWNER_UIN,
                name: "root",
                keys: [{ accessKeyId: keys.root.secretId, secretAccessKey: keys.root.secretKey }],
              },
              ...users,
            ],
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  it("admits at most 5 in any rolling second (from /_sim/requests), each admitted one a key, the rest throttled", async () => {
    const sdk = rawSdk(`127.0.0.1:${sim.port}`, keys.root);
    // Two keys per user at most, so the two-key rule cannot be what refuses a request.
    const burst = (from: number, count: number) =>
      Promise.allSettled(
        Array.from({ length: count }, (_, i) =>
          sdk.request("CreateAccessKey", { TargetUin: users[(from + i) % users.length]!.uin })
        )
      );
    const first = await burst(0, 60);
    await new Promise((resolve) => setTimeout(resolve, 1050));
    const second = await burst(60, 20);
    const results = [...first, ...second];

    const { json } = await control(sim.url, "GET", "/_sim/requests");
    const log = (json as LoggedRequest[]).filter((entry) => entry.action === "CreateAccessKey");
    expect(log).toHaveLength(80);
    expect(new Set(log.map((entry) => entry.outcome))).toEqual(new Set(["OK", "RequestLimitExceeded"]));
    const admitted = log.filter((entry) => entry.outcome === "OK").map((entry) => entry.t);
    expect(overfullWindow(admitted, 5)).toBeUndefined();
    // Each burst fills its second: the first one's 5, and 5 more once those have aged out.
    expect(admitted.length).toBeGreaterThanOrEqual(10);

    const fulfilled = results.filter((result) => result.status === "fulfilled").length;
    expect(fulfilled).toBe(admitted.length);
    const refusalCodes = results.flatMap((result) =>
      result.status === "rejected" ? [(result.reason as { code?: string }).code] : []
    );
    expect(new Set(refusalCodes)).toEqual(new Set(["RequestLimitExceeded"]));
    const created = sim.simulator.snapshot().accounts[0]!.users.reduce((sum, user) => sum + user.keys.length, 0);
    expect(created - 1).toBe(admitted.length);
    expect(sim.simulator.snapshot().counters.CreateAccessKey).toEqual({
      ok: admitted.length,
      throttled: 80 - admitted.length,
      errors: {},
    });
  });
});

describe("when a request counts", () => {
  it("stamps a request at its arrival (headers), not after its body has been read", async () => {
    const sim = await startCamSimulator({ seed: { accounts: [{ ownerUin: OWNER_UIN, appId: 1, users: [] }] } });
    try {
      const body = "{}";
      const request = httpRequest(`${sim.url}/`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-tc-action": "ListUsers",
          "x-tc-version": "2019-01-16",
        },
      });
      const answered = new Promise<void>((resolve, reject) => {
        request.on("response", (response) => {
          response.resume();
          response.on("end", resolve);
        });
        request.on("error", reject);
      });
      request.flushHeaders();
      const headersSentAt = Date.now();
      await sleep(300);
      const bodySentAt = Date.now();
      request.end(body);
      await answered;
      const [entry] = sim.simulator.requests();
      expect(entry?.action).toBe("ListUsers");
      expect(entry!.t).toBeGreaterThanOrEqual(headersSentAt - 5);
      expect(entry!.t).toBeLessThan(bodySentAt - 100);
    } finally {
      await sim.close();
    }
  });
});
