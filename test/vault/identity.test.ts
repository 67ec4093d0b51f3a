// Vault identities: equal only for the same storage, and never carrying a URL's user info.
import { describe, expect, it } from "vitest";
import { createAwsSecretsManagerVault } from "../../src/vault/aws-secrets-manager.js";
import { createFileVault } from "../../src/vault/file-vault.js";
import { fileVaultIdentity } from "../../src/vault/identity.js";

const ref = { account: "main", uin: 100000000011 };
const aws = (options: { region?: string; endpoint?: string; nameTemplate?: string }) =>
  createAwsSecretsManagerVault({
    region: options.region ?? "us-east-1",
    nameTemplate: options.nameTemplate ?? "a/{account}/{uin}",
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    credentials: { accessKeyId: "x", secretAccessKey: "y" },
  });

describe("vault identity", () => {
  it("names type, region, endpoint and the secret's name for AWS; any of them differing is another vault", () => {
    const reference = aws({}).identity(ref);
    expect(reference).toBe("aws-secrets-manager region=us-east-1 endpoint=default secret=a/main/100000000011");
    expect(aws({}).identity(ref)).toBe(reference);
    for (const other of [
      aws({ region: "eu-west-1" }),
      aws({ endpoint: "http://127.0.0.1:5055" }),
      aws({ nameTemplate: "b/{account}/{uin}" }),
    ])
      expect(other.identity(ref)).not.toBe(reference);
    expect(aws({}).identity({ ...ref, uin: 100000000012 })).not.toBe(reference);
  });

  it("drops user info from the endpoint", () => {
    expect(aws({ endpoint: "http://user:s3cret@127.0.0.1:5055" }).identity(ref)).not.toContain("s3cret");
  });

  it("names host and absolute path for the file vault: the same path on another host is another vault", () => {
    const identity = createFileVault({ path: "relative/vault.json" }).identity(ref);
    expect(identity).toContain(`path=${process.cwd()}/relative/vault.json`);
    expect(fileVaultIdentity({ path: "/v.json", secretKey: "main/1", host: "a" })).not.toBe(
      fileVaultIdentity({ path: "/v.json", secretKey: "main/1", host: "b" })
    );
  });
});
