// Seed validation: every error names the path in the seed and the value received (never a secret), and the
// file loader names the file.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSeedFile, parseSeed, SeedError } from "../../src/cam/simulator/seed.js";

const user = (uin: unknown, extra: Record<string, unknown> = {}) => ({ uin, name: `u${String(uin)}`, ...extra });
const key = (id: string, extra: Record<string, unknown> = {}) => ({
  accessKeyId: id,
  secretAccessKey: "S".repeat(40),
  ...extra,
});
const account = (users: unknown[], extra: Record<string, unknown> = {}) => ({
  ownerUin: 100,
  appId: 7,
  users,
  ...extra,
});

function problemsOf(json: unknown): string[] {
  try {
    parseSeed(json);
  } catch (error) {
    if (error instanceof SeedError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  throw new Error("expected a SeedError");
}

describe("parseSeed", () => {
  it("fills defaults: Active keys, non-admin users, no keys, default rate limits", () => {
    const seed = parseSeed({ accounts: [account([user(100), user(101, { keys: [{ accessKeyId: "AKIDabcd" }] })])] });
    expect(seed.accounts[0]!.users[0]).toMatchObject({ admin: false, keys: [] });
    expect(seed.accounts[0]!.users[1]!.keys[0]).toEqual({
      accessKeyId: "AKIDabcd",
      status: "Active",
      lastUsedAt: null,
    });
    expect(seed.rateLimits).toEqual({});
    expect(parseSeed({})).toEqual({ accounts: [], rateLimits: {} });
  });

  it.each([
    [
      "a uin that is not a number",
      { accounts: [account([user(100), user("x")])] },
      'accounts[0].users[1].uin: expected a positive integer, got "x"',
    ],
    [
      "a missing appId",
      { accounts: [{ ownerUin: 1, users: [] }] },
      "accounts[0].appId: expected a positive integer, got nothing",
    ],
    [
      "an unknown field",
      { accounts: [account([user(100, { admn: true })])] },
      'accounts[0].users[0]: unknown field "admn"',
    ],
    [
      "a bad key status",
      { accounts: [account([user(100, { keys: [key("AKIDabcd", { status: "Disabled" })] })])] },
      'accounts[0].users[0].keys[0].status: expected "Active" or "Inactive", got "Disabled"',
    ],
    [
      "a bad createTime",
      { accounts: [account([user(100, { keys: [key("AKIDabcd", { createTime: "2026-01-01T00:00:00Z" })] })])] },
      'accounts[0].users[0].keys[0].createTime: expected a time "YYYY-MM-DD HH:mm:ss", got "2026-01-01T00:00:00Z"',
    ],
    [
      "an accessKeyId with odd characters",
      { accounts: [account([user(100, { keys: [key("AKID...")] })])] },
      'accounts[0].users[0].keys[0].accessKeyId: expected 4-128 letters and digits, got "AKID..."',
    ],
    [
      "a rate limit for an unknown action",
      { rateLimits: { CreateAccesKey: 5 } },
      'rateLimits: unknown field "CreateAccesKey"',
    ],
    [
      "a rate limit of zero",
      { rateLimits: { CreateAccessKey: 0 } },
      "rateLimits.CreateAccessKey: expected a positive integer, got 0",
    ],
    [
      "three keys for one user",
      { accounts: [account([user(100, { keys: [key("AKID1111"), key("AKID2222"), key("AKID3333")] })])] },
      "accounts[0].users[0].keys: at most 2 keys per user, got 3",
    ],
    [
      "a uin twice",
      { accounts: [account([user(100), user(100)])] },
      "accounts[0].users[1].uin: duplicate uin 100, also at accounts[0].users[0].uin",
    ],
    [
      "a key id twice",
      { accounts: [account([user(100, { keys: [key("AKID1111")] }), user(101, { keys: [key("AKID1111")] })])] },
      'accounts[0].users[1].keys[0].accessKeyId: duplicate accessKeyId "AKID1111", also at accounts[0].users[0].keys[0].accessKeyId',
    ],
    [
      "another account's main uin as a user",
      { accounts: [account([]), account([user(100)], { ownerUin: 200 })] },
      "accounts[1].users[0].uin: 100 is the main account of accounts[0]",
    ],
    ["not an object", [], "(root): expected a seed object, got []"],
  ])("names the path for %s", (_name, json, expected) => {
    expect(problemsOf(json)).toContain(expected);
  });

  it("never shows a secret's value, even a malformed one", () => {
    const secret = "x".repeat(300);
    const problems = problemsOf({
      accounts: [account([user(100, { keys: [key("AKIDabcd", { secretAccessKey: secret })] })])],
    });
    expect(problems).toEqual([
      "accounts[0].users[0].keys[0].secretAccessKey: expected a string of 1-256 characters, got a value that is not shown",
    ]);
  });
});

describe("loadSeedFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "cam-sim-seed-"));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("loads a valid file", () => {
    const path = file(
      "good.json",
      JSON.stringify({ accounts: [account([user(100)])], rateLimits: { CreateAccessKey: 3 } })
    );
    expect(loadSeedFile(path).rateLimits).toEqual({ CreateAccessKey: 3 });
  });

  it("names the file and the path in the seed", () => {
    const path = file("bad.json", JSON.stringify({ accounts: [account([user(-1)])] }));
    expect(() => loadSeedFile(path)).toThrowError(
      `bad seed ${path}:\n  accounts[0].users[0].uin: expected a positive integer, got -1`
    );
  });

  it("names the file when it is missing or not JSON", () => {
    expect(() => loadSeedFile(join(dir, "absent.json"))).toThrowError(
      /absent\.json:\n {2}\(file\): cannot read the seed file \(ENOENT\)/
    );
    expect(() => loadSeedFile(file("broken.json", "{accounts:"))).toThrowError(
      /broken\.json:\n {2}\(file\): not valid JSON/
    );
  });
});
