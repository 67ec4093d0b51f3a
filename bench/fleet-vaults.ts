// The fleet sweep's vaults, filled with every user's secret as promote leaves it (planning tags / the file
// vault's clear index), and counted: every vault call the sweep makes, and how many of them read a secret value.
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { seal } from "../src/vault/file-vault-crypto.js";
import {
  newDocument,
  secretKey,
  serializeDocument,
  versionAad,
  type VaultDocument,
} from "../src/vault/file-vault-document.js";
import { makeKeyCheck } from "../src/vault/file-vault-crypto.js";
import { createAwsSecretsManagerVault, MANAGED_BY_TAG } from "../src/vault/aws-secrets-manager.js";
import { createFileVault } from "../src/vault/file-vault.js";
import { CURRENT_KEY_TAG, ROTATED_AT_TAG } from "../src/vault/metadata-tags.js";
import { serializePayload } from "../src/vault/payload.js";
import type { SecretPayload, Vault } from "../src/vault/port.js";
import { renderSecretName } from "../src/vault/secret-name.js";
import { rotationToken } from "../src/vault/tokens.js";

export interface CountedVault {
  vault: Vault;
  /** Vault calls so far: AWS API calls for moto, port calls for the file vault. */
  calls(): number;
  /** Of those, the ones that read a secret value (GetSecretValue; readCurrent/readVersion on the file vault). */
  valueReads(): number;
}

function payloadOf(account: string, uin: number, rotatedAt: string): SecretPayload {
  return {
    SecretId: `AKID${uin}`,
    SecretKey: `bench-${randomUUID()}`,
    Uin: uin,
    Account: account,
    CreateTime: "2026-01-01 00:00:00",
    RotatedAt: rotatedAt,
  };
}

/** moto, with one CreateSecret per user (tags included) a few at a time: moto fails some under more concurrency. */
export async function seedMoto(
  endpoint: string,
  template: string,
  account: string,
  uins: readonly number[],
  rotatedAt: string,
  log: (line: string) => void
): Promise<CountedVault> {
  const seeder = new SecretsManagerClient({ endpoint, region: "us-east-1", maxAttempts: 10 });
  let next = 0;
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (next < uins.length) {
        const uin = uins[next++]!;
        const value = payloadOf(account, uin, rotatedAt);
        await seeder.send(
          new CreateSecretCommand({
            Name: renderSecretName(template, { account, uin }),
            SecretString: serializePayload(value),
            Tags: [
              MANAGED_BY_TAG,
              { Key: "cam-account", Value: account },
              { Key: "cam-uin", Value: String(uin) },
              { Key: CURRENT_KEY_TAG, Value: value.SecretId },
              { Key: ROTATED_AT_TAG, Value: String(Date.parse(rotatedAt)) },
            ],
          })
        );
        if (next % 1_000 === 0) log(`  seeded ${next}/${uins.length} secrets in moto`);
      }
    })
  );
  seeder.destroy();
  const client = new SecretsManagerClient({ endpoint, region: "us-east-1" });
  const counts = { calls: 0, valueReads: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts.calls++;
      if (context.commandName === "GetSecretValueCommand") counts.valueReads++;
      return next(args);
    },
    { step: "initialize", name: "benchCountVaultCalls" }
  );
  return {
    vault: createAwsSecretsManagerVault({ region: "us-east-1", client, nameTemplate: template }),
    calls: () => counts.calls,
    valueReads: () => counts.valueReads,
  };
}

/** A vault file written in one go (promoting 100,000 users one by one would rewrite the file 200,000 times). */
export async function seedFileVault(
  path: string,
  key: Buffer,
  account: string,
  uins: readonly number[],
  rotatedAt: string
): Promise<CountedVault> {
  const document: VaultDocument = newDocument(makeKeyCheck(key));
  for (const uin of uins) {
    const name = secretKey({ account, uin });
    const value = payloadOf(account, uin, rotatedAt);
    const clear = { versionId: rotationToken(account, uin, "bench-seed"), accessKeyId: value.SecretId };
    document.secrets[name] = {
      account,
      uin,
      planning: { currentKeyId: value.SecretId, rotatedAt },
      versions: [
        {
          ...clear,
          createdAt: rotatedAt,
          stages: ["AWSCURRENT"],
          sealed: seal(key, serializePayload(value), versionAad(name, clear)),
        },
      ],
    };
  }
  await writeFile(path, serializeDocument(document), { mode: 0o600 });
  const vault = createFileVault({ path, key });
  const counts = { calls: 0, valueReads: 0 };
  const counted =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>, readsValue = false) =>
    (...args: A) => {
      counts.calls++;
      if (readsValue) counts.valueReads++;
      return call(...args);
    };
  return {
    vault: {
      ...vault,
      kind: vault.kind,
      readCurrent: counted(vault.readCurrent, true),
      readVersion: counted(vault.readVersion, true),
      describe: counted(vault.describe),
      listMetadata: counted(vault.listMetadata),
      stagePending: counted(vault.stagePending),
      promote: counted(vault.promote),
      discardPending: counted(vault.discardPending),
    },
    calls: () => counts.calls,
    valueReads: () => counts.valueReads,
  };
}
