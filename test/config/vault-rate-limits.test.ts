// vault.rateLimits: the AWS vault's request quotas per pool, defaulting to AWS's 50/s each; bad values are
// refused naming the path and the value; the file vault has no quota to configure.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { problems } from "./problems.js";

const withVault = (vault: Record<string, unknown>) => ({
  vault,
  accounts: [
    {
      name: "main",
      credentials: { secretIdEnv: "MAIN_SECRET_ID", secretKeyEnv: "MAIN_SECRET_KEY" },
      users: [100000000011],
      schedule: "0 3 * * *",
      maxKeyAgeDays: 90,
    },
  ],
});
const aws = (extra: Record<string, unknown> = {}) =>
  withVault({ type: "aws-secrets-manager", region: "us-east-1", ...extra });

describe("vault.rateLimits", () => {
  it("defaults to AWS Secrets Manager's quotas, 50 writes and 50 tag calls per second", () => {
    const vault = parseConfig(aws(), "test.yaml", {}).vault;
    expect(vault.type === "aws-secrets-manager" && vault.rateLimits).toEqual({ writes: 50, tags: 50 });
    const partial = parseConfig(aws({ rateLimits: { writes: 15 } }), "test.yaml", {}).vault;
    expect(partial.type === "aws-secrets-manager" && partial.rateLimits).toEqual({ writes: 15, tags: 50 });
  });

  it("refuses a value that is not a positive integer, naming the path and the value", () => {
    expect(problems(aws({ rateLimits: { writes: 0, tags: "fifty" } }))).toEqual([
      "vault.rateLimits.writes: expected a positive integer, got 0",
      'vault.rateLimits.tags: expected a positive integer, got "fifty"',
    ]);
    expect(problems(aws({ rateLimits: { writes: 2.5 } }))).toEqual([
      "vault.rateLimits.writes: expected a positive integer, got 2.5",
    ]);
    expect(problems(aws({ rateLimits: 50 }))).toEqual([expect.stringMatching(/^vault\.rateLimits: .*, got 50$/)]);
  });

  it("refuses a pool it does not know, and rateLimits on the file vault, which has no quota", () => {
    expect(problems(aws({ rateLimits: { reads: 10_000 } }))).toEqual(['vault.rateLimits: unknown key "reads"']);
    expect(problems(withVault({ type: "file", path: "./vault.json", rateLimits: { writes: 50 } }))).toEqual([
      'vault: unknown key "rateLimits"',
    ]);
  });
});
