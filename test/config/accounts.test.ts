// The account look-ups the engine, the daemon and the CLI share: one wording for an unknown name, and each
// account's rate limits (its overrides, else Tencent's documented defaults).
import { describe, expect, it } from "vitest";
import { DEFAULT_RATE_LIMITS } from "../../src/cam/actions.js";
import { accountRateLimits, unknownAccountMessage } from "../../src/config/index.js";

const accounts = [{ name: "main", rateLimits: { CreateAccessKey: 2 } }, { name: "other" }] as const;
const config = { accounts } as unknown as Parameters<typeof accountRateLimits>[0];

describe("account look-ups", () => {
  it("names the unknown account and every configured one", () => {
    expect(unknownAccountMessage(config, "nope")).toBe(
      'account "nope" is not in the configuration (configured: "main", "other")'
    );
  });

  it("takes an account's override, else the documented default, per action", () => {
    const limitFor = accountRateLimits(config);
    expect(limitFor("main", "CreateAccessKey")).toBe(2);
    expect(limitFor("main", "ListAccessKeys")).toBe(DEFAULT_RATE_LIMITS.ListAccessKeys);
    expect(limitFor("other", "CreateAccessKey")).toBe(DEFAULT_RATE_LIMITS.CreateAccessKey);
    expect(limitFor("unconfigured", "DeleteAccessKey")).toBe(DEFAULT_RATE_LIMITS.DeleteAccessKey);
  });
});
