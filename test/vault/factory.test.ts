// The factory and the small helpers the engine uses: secret names and deterministic rotation tokens.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { createVault, DEFAULT_NAME_TEMPLATE, renderSecretName, rotationToken } from "../../src/vault/index.js";
import { tokenProblem, uuidV5 } from "../../src/vault/tokens.js";
import { makePayload } from "./helpers.js";
import { TEST_REGION, uniqueTemplate } from "./moto.js";

const ref = { account: "main", uin: 100_000_000_011 };
afterEach(() => vi.unstubAllEnvs());

describe("rotationToken", () => {
  it("is a version-5 UUID: the RFC 9562 test vector holds for the underlying uuidV5", () => {
    expect(uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com")).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2"
    );
  });

  it("is deterministic, a valid 36-character token, and different for any different input", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.integer({ min: 1, max: 2 ** 48 }),
        fc.string(),
        fc.string(),
        (account, uin, attempt, otherAttempt) => {
          const token = rotationToken(account, uin, attempt);
          expect(token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
          expect(tokenProblem(token)).toBeUndefined();
          expect(rotationToken(account, uin, attempt)).toBe(token);
          if (otherAttempt !== attempt) expect(rotationToken(account, uin, otherAttempt)).not.toBe(token);
          expect(rotationToken(account, uin + 1, attempt)).not.toBe(token);
        }
      )
    );
    // Parts cannot run into each other: ("a/1", ...) and ("a", ...) with a shifted attempt stay apart.
    expect(rotationToken("a", 1, "1/x")).not.toBe(rotationToken("a/1", 1, "x"));
  });
});

describe("renderSecretName", () => {
  it("fills the default template and refuses names Secrets Manager would not accept", () => {
    expect(renderSecretName(DEFAULT_NAME_TEMPLATE, ref)).toBe("tencentcloud/cam/main/100000000011");
    expect(() => renderSecretName(DEFAULT_NAME_TEMPLATE, { account: "main office", uin: 1 })).toThrow(
      'secret name "tencentcloud/cam/main office/1" for account "main office" uin 1 is not a valid Secrets Manager name'
    );
  });
});

describe("createVault", () => {
  it("builds a file vault that works", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cam-rotator-factory-"));
    try {
      const vault = await createVault({ type: "file", path: join(dir, "vault.json") });
      expect(vault.kind).toBe("file");
      const value = makePayload(ref);
      const token = rotationToken(ref.account, ref.uin, randomUUID());
      await vault.stagePending(ref, token, value);
      expect(await vault.readVersion(ref, token)).toEqual(value);
      await vault.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("builds an AWS vault that takes its credentials from the standard chain (here: the environment)", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "testing");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "testing");
    const vault = await createVault({
      type: "aws-secrets-manager",
      region: TEST_REGION,
      endpoint: inject("motoUrl"),
      nameTemplate: uniqueTemplate(),
    });
    expect(vault.kind).toBe("aws-secrets-manager");
    const value = makePayload(ref);
    const token = rotationToken(ref.account, ref.uin, randomUUID());
    await vault.stagePending(ref, token, value);
    await vault.promote(ref, token);
    expect(await vault.readCurrent(ref)).toEqual({ versionId: token, value });
    await vault.close();
  });
});
