// The small decisions behind the engine, over all inputs: backoff bounds, "used since" (unsure means used),
// when a key is due, and how each failure maps to what BullMQ does.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CamError, type CamErrorKind } from "../../src/cam/errors.js";
import { LimiterDeferral } from "../../src/cam/limiter/gate.js";
import { VaultQuotaDeferral } from "../../src/cam/limiter/vault-quota-gate.js";
import { CamDeferral } from "../../src/cam/types.js";
import { parseCamDay, parseCamTime } from "../../src/cam/time-text.js";
import { backoffDelay } from "../../src/jobs/backoff.js";
import { dueDecision } from "../../src/jobs/due.js";
import { classifyFailure, RotationParked } from "../../src/jobs/failures.js";
import { usedSince } from "../../src/jobs/key-removal.js";
import { attributionOf } from "../../src/jobs/rotate/reconcile.js";
import { VaultDeferral, VaultError } from "../../src/vault/port.js";

describe("backoffDelay", () => {
  it("stays within [ceiling/2, ceiling] where the ceiling doubles per attempt up to the cap", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseMs, maxMs, random) => {
          const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
          const delay = backoffDelay(attempt, { baseMs, maxMs }, () => random);
          return delay >= Math.floor(ceiling / 2) && delay <= Math.ceil(ceiling);
        }
      )
    );
  });
});

describe("usedSince", () => {
  const since = Date.parse("2026-03-10T12:00:00Z");
  it("uses the exact time when CAM gives one", () => {
    expect(usedSince({ secretId: "A", lastUsedAt: since + 1, lastUsedDay: null }, since)).toBe(true);
    expect(usedSince({ secretId: "A", lastUsedAt: since, lastUsedDay: parseCamDay("2026-03-11") }, since)).toBe(false);
  });
  it("with only a day, counts as used unless that day ended two days before", () => {
    fc.assert(
      fc.property(fc.integer({ min: -30, max: 30 }), (dayOffset) => {
        const day = new Date(since + dayOffset * 86_400_000).toISOString().slice(0, 10);
        const used = usedSince({ secretId: "A", lastUsedAt: null, lastUsedDay: parseCamDay(day) }, since);
        return dayOffset >= -1 ? used : !used;
      })
    );
  });
  it("never used is unused; no answer at all is treated as used", () => {
    expect(usedSince({ secretId: "A", lastUsedAt: null, lastUsedDay: null }, since)).toBe(false);
    expect(usedSince(undefined, since)).toBe(true);
  });
});

describe("due", () => {
  it("reads CAM time as UTC+8 and decides by whole days against maxKeyAgeDays", () => {
    expect(parseCamTime("2026-01-01 08:00:00")).toBe(Date.parse("2026-01-01T00:00:00Z"));
    expect(parseCamTime("yesterday")).toBeNull();
    expect(dueDecision({ currentKeyId: "K", ageDays: 90.2 }, 90)).toEqual({
      due: true,
      reason: "current key 90 days old (max 90)",
    });
    expect(dueDecision({ currentKeyId: "K", ageDays: 89.9 }, 90)).toEqual({
      due: false,
      reason: "current key 89 days old (max 90)",
    });
    expect(dueDecision({ currentKeyId: null, ageDays: null }, 90)).toEqual({ due: true, reason: "no key in vault" });
  });
});

describe("classifyFailure", () => {
  const context = { action: "ListAccessKeys" as const, account: "main", targetUin: 7 };
  it("maps every CAM error kind: retry the retryable, fail the rest at once", () => {
    const expected: Record<CamErrorKind, "transient" | "permanent"> = {
      throttled: "transient",
      transient: "transient",
      unknown: "transient",
      overLimit: "transient",
      auth: "permanent",
      notFound: "permanent",
      invalid: "permanent",
    };
    for (const [kind, verdict] of Object.entries(expected)) {
      const failure = classifyFailure(new CamError(kind as CamErrorKind, context, "Code.X", "detail"));
      expect(failure.kind, kind).toBe(verdict);
      if (failure.kind === "permanent" || failure.kind === "transient")
        expect(failure.reason).toContain("account=main uin=7");
    }
  });
  it("a limiter deferral waits, a parked rotation parks, vault errors follow their kind", () => {
    expect(classifyFailure(new LimiterDeferral("main", "CreateAccessKey", 1234))).toEqual({
      kind: "deferred",
      retryAfterMs: 1234,
    });
    expect(classifyFailure(new VaultQuotaDeferral("us-east-1", "writes", 99))).toEqual({
      kind: "deferred",
      retryAfterMs: 99,
    });
    expect(classifyFailure(new RotationParked("AKIDX", "foreign-key"))).toEqual({
      kind: "parked",
      flaggedKeyId: "AKIDX",
      reason: "foreign-key",
    });
    expect(classifyFailure(new VaultError("transient", "stagePending", "s", "down")).kind).toBe("transient");
    expect(classifyFailure(new VaultError("permanent", "stagePending", "s", "AccessDenied")).kind).toBe("permanent");
  });
});

describe("deferrals", () => {
  it("are declared by the ports: what the limiters raise is a CamDeferral or a VaultDeferral, with its wait", () => {
    const cam = new LimiterDeferral("main", "CreateAccessKey", 1234);
    expect(cam).toBeInstanceOf(CamDeferral);
    expect(cam).toMatchObject({
      name: "LimiterDeferral",
      account: "main",
      action: "CreateAccessKey",
      retryAfterMs: 1234,
    });
    const vault = new VaultQuotaDeferral("us-east-1", "writes", 99);
    expect(vault).toBeInstanceOf(VaultDeferral);
    expect(vault).toMatchObject({ name: "VaultQuotaDeferral", scope: "us-east-1", pool: "writes", retryAfterMs: 99 });
  });
});

describe("attributionOf (orphan attribution)", () => {
  const startedAt = Date.parse("2026-03-10T04:00:00Z"); // 12:00 in UTC+8
  const attempt = { attemptId: "a", attemptStart: startedAt, createGuard: { knownKeyIds: ["AKIDOLD"], startedAt } };
  // CreateTime as CAM prints it, read as the client reads it; an unreadable one (which the client rejects) as NaN.
  const key = (accessKeyId: string, createTime: string) => ({
    accessKeyId,
    status: "Active" as const,
    createdAt: parseCamTime(createTime) ?? Number.NaN,
  });
  it("claims the recorded new key as provably ours, and under the guard an unknown key created around the call only as guarded", () => {
    expect(
      attributionOf(key("AKIDNEW", "2020-01-01 00:00:00"), { attemptId: "a", attemptStart: 0, newKeyId: "AKIDNEW" })
    ).toBe("recorded");
    expect(attributionOf(key("AKIDLOST", "2026-03-10 12:00:01"), attempt)).toBe("guarded");
  });
  it("never attributes a key known before the call, one created days away from it, or one with an unreadable time", () => {
    expect(attributionOf(key("AKIDOLD", "2026-03-10 12:00:01"), attempt)).toBeNull();
    expect(attributionOf(key("AKIDLATER", "2026-03-13 12:00:00"), attempt)).toBeNull();
    expect(attributionOf(key("AKIDODD", "soon"), attempt)).toBeNull();
    expect(
      attributionOf(key("AKIDANY", "2026-03-10 12:00:01"), { attemptId: "a", attemptStart: startedAt })
    ).toBeNull();
  });
});
