// The vault contract against a real moto_server, plus what only the AWS adapter promises: its tags, its calls
// (never RotateSecret, reads name a stage or a version), and refusing secrets that are not its own.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createAwsSecretsManagerVault } from "../../src/vault/aws-secrets-manager.js";
import { renderSecretName } from "../../src/vault/secret-name.js";
import { rotationToken } from "../../src/vault/tokens.js";
import { vaultContract } from "./contract.js";
import { expectNoSecret, expectVaultError, makePayload } from "./helpers.js";
import { countVersions, recordingClient, TEST_REGION, uniqueTemplate, type SentCommand } from "./moto.js";

const sent: SentCommand[] = [];
const clients: SecretsManagerClient[] = [];
const client = () => {
  const created = recordingClient(inject("motoUrl"), sent);
  clients.push(created);
  return created;
};
afterAll(() => clients.forEach((each) => each.destroy()));

vaultContract("aws-secrets-manager on moto", async () => {
  const nameTemplate = uniqueTemplate();
  const admin = client();
  return {
    open: async () => createAwsSecretsManagerVault({ region: TEST_REGION, nameTemplate, client: client() }),
    versionCount: (ref) => countVersions(admin, nameTemplate, ref),
    cleanup: async () => undefined,
  };
});

describe("aws-secrets-manager adapter", () => {
  const ref = { account: "main", uin: 100_000_000_011 };
  const token = (attempt: string) => rotationToken(ref.account, ref.uin, attempt);

  it("creates the secret with its tags and KMS key, and consumers of AWSCURRENT see no credential before the first promote", async () => {
    const nameTemplate = uniqueTemplate();
    const admin = client();
    const vault = createAwsSecretsManagerVault({
      region: TEST_REGION,
      nameTemplate,
      client: admin,
      kmsKeyId: "alias/cam-rotator-test",
    });
    const value = makePayload(ref);
    await vault.stagePending(ref, token("tags"), value);
    const name = renderSecretName(nameTemplate, ref);
    const described = await admin.send(new DescribeSecretCommand({ SecretId: name }));
    expect(Object.fromEntries((described.Tags ?? []).map((tag) => [tag.Key, tag.Value]))).toEqual({
      "managed-by": "cam-rotator",
      "cam-account": "main",
      "cam-uin": "100000000011",
    });
    expect(described.KmsKeyId).toBe("alias/cam-rotator-test");
    const asConsumer = await admin.send(new GetSecretValueCommand({ SecretId: name, VersionStage: "AWSCURRENT" }));
    expect(asConsumer.SecretString).not.toContain(value.SecretKey);
    expect(JSON.parse(asConsumer.SecretString ?? "{}")).toMatchObject({ "managed-by": "cam-rotator" });
    expect(asConsumer.VersionStages).toEqual(["AWSCURRENT"]);
  });

  it("refuses a secret of that name that it did not create, and leaves it alone", async () => {
    const nameTemplate = uniqueTemplate();
    const admin = client();
    const name = renderSecretName(nameTemplate, ref);
    await admin.send(new CreateSecretCommand({ Name: name, SecretString: "someone else's" }));
    const vault = createAwsSecretsManagerVault({ region: TEST_REGION, nameTemplate, client: admin });
    const value = makePayload(ref);
    const error = await expectVaultError(vault.stagePending(ref, token("foreign"), value), "permanent");
    expect(error.message).toContain("not ours");
    expect(error.message).toContain(name);
    expectNoSecret(error, [value.SecretKey]);
    await expectVaultError(vault.describe(ref), "permanent");
    await expectVaultError(vault.readCurrent(ref), "permanent");
    expect(await countVersions(admin, nameTemplate, ref)).toBe(1);
  });

  it("refuses a secret that is scheduled for deletion", async () => {
    const nameTemplate = uniqueTemplate();
    const admin = client();
    const vault = createAwsSecretsManagerVault({ region: TEST_REGION, nameTemplate, client: admin });
    await vault.stagePending(ref, token("deleted-1"), makePayload(ref));
    await admin.send(
      new DeleteSecretCommand({ SecretId: renderSecretName(nameTemplate, ref), RecoveryWindowInDays: 7 })
    );
    const error = await expectVaultError(vault.stagePending(ref, token("deleted-2"), makePayload(ref)), "permanent");
    expect(error.message).toContain("scheduled for deletion");
  });

  it("two workers staging the first version at once both succeed; one CreateSecret wins", async () => {
    const nameTemplate = uniqueTemplate();
    const admin = client();
    const [a, b] = [client(), client()].map((each) =>
      createAwsSecretsManagerVault({ region: TEST_REGION, nameTemplate, client: each })
    );
    const [va, vb] = [makePayload(ref), makePayload(ref)];
    const [ta, tb] = [token("race-a"), token("race-b")];
    await Promise.all([a!.stagePending(ref, ta, va), b!.stagePending(ref, tb, vb)]);
    const described = await a!.describe(ref);
    expect([ta, tb]).toContain(described.pending?.versionId);
    expect(described.current).toBeUndefined();
    expect(await countVersions(admin, nameTemplate, ref)).toBe(3); // placeholder + both staged versions
  });

  it("rejects a name template without {account} and {uin}", () => {
    expect(() => createAwsSecretsManagerVault({ region: TEST_REGION, nameTemplate: "cam/{account}" })).toThrow(
      /\{uin\}/
    );
  });

  // Runs after the contract and the tests above in this file, over every command they sent.
  it("never called RotateSecret, and every read named a stage or a version", () => {
    expect(sent.length).toBeGreaterThan(50);
    expect(sent.map((command) => command.name)).not.toContain("RotateSecretCommand");
    const reads = sent.filter(
      (command) =>
        command.name === "GetSecretValueCommand" &&
        !("VersionStage" in command.input) &&
        !("VersionId" in command.input)
    );
    expect(reads).toEqual([]);
  });
});
