// Issue 14, item 2: CAM's time texts are read by the client (time-text.ts, responses.ts), and the vault document
// keeps its text form; the engine sees epoch milliseconds only.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseResponse, rowSchemas, rowsOf } from "../../src/cam/responses.js";
import { camTime } from "../../src/cam/simulator/cam-time.js";
import { formatCamTime, parseCamDay, parseCamTime } from "../../src/cam/time-text.js";
import { createdAtOf, payloadTimes, rotatedAtOf } from "../../src/vault/payload-times.js";

describe("CAM's time texts", () => {
  it("CreateTime reads as UTC+8 and prints back to the same text, to the second", () => {
    expect(parseCamTime("2026-01-01 08:00:00")).toBe(Date.parse("2026-01-01T00:00:00Z"));
    expect(parseCamTime("yesterday")).toBeNull();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000 }), (seconds) => {
        const text = camTime(seconds * 1000); // as the simulator prints it
        return parseCamTime(text) === seconds * 1000 && formatCamTime(seconds * 1000) === text;
      })
    );
  });

  it("LastUsedDate reads as the start of that day (UTC); anything else is no day", () => {
    expect(parseCamDay("2026-03-11")).toBe(Date.parse("2026-03-11T00:00:00Z"));
    expect(parseCamDay("last week")).toBeNull();
  });

  it("ListAccessKeys hands out CreateTime as epoch ms, and a CreateTime of another shape is a malformed answer", () => {
    const row = { AccessKeyId: "AKIDA", Status: "Active", CreateTime: "2025-06-01 08:00:00" };
    const read = parseResponse("ListAccessKeys", { AccessKeys: [row] });
    expect(read).toEqual({
      ok: true,
      value: { AccessKeys: [{ ...row, CreateTime: Date.parse("2025-06-01T00:00:00Z") }] },
    });
    expect(parseResponse("ListAccessKeys", { AccessKeys: [{ ...row, CreateTime: "2025-06-01T00:00:00Z" }] })).toEqual({
      ok: false,
      problem: "AccessKeys.0.CreateTime: invalid_format",
    });
  });

  it("a last-use row whose only evidence is an unreadable day is left out (counted as used); an exact time decides alone", () => {
    const rows = [
      { SecretId: "AKIDA", LastUsedDate: "soon", LastSecretUsedDate: null },
      { SecretId: "AKIDB", LastUsedDate: "soon", LastSecretUsedDate: 1_700_000_000_000 },
      { SecretId: "AKIDC", LastUsedDate: "2026-03-11", LastSecretUsedDate: null },
    ];
    const { rows: read, skipped } = rowsOf(rows, rowSchemas.lastUsed, "SecretIdLastUsedRows");
    expect(read.map((row) => row.SecretId)).toEqual(["AKIDB", "AKIDC"]);
    expect(skipped).toEqual([{ index: 0, problem: "SecretIdLastUsedRows.0.LastUsedDate: custom" }]);
  });
});

describe("the vault document's times", () => {
  it("are written as before (CreateTime as CAM printed it, RotatedAt ISO) and read back as epoch ms", () => {
    const createdAt = parseCamTime("2025-06-01 08:00:00")!;
    const rotatedAt = Date.parse("2026-02-03T04:05:06.789Z");
    const times = payloadTimes(createdAt, rotatedAt);
    expect(times).toEqual({ CreateTime: "2025-06-01 08:00:00", RotatedAt: "2026-02-03T04:05:06.789Z" });
    expect(createdAtOf(times)).toBe(createdAt);
    expect(rotatedAtOf(times)).toBe(rotatedAt);
  });

  it("a document written by other means: RotatedAt that is not ISO is unknown, CreateTime still gives an age", () => {
    expect(rotatedAtOf({ RotatedAt: "2025-06-01 08:00:00" })).toBeNull();
    expect(createdAtOf({ CreateTime: "2025-06-01 08:00:00" })).toBe(Date.parse("2025-06-01T00:00:00Z"));
    expect(createdAtOf({ CreateTime: "June" })).toBeNull();
  });
});
