// Talking to the test run's moto_server: a client that records every command it sends (to check which AWS calls
// the adapter makes), and unique name templates so parallel test files never share a secret.
import { randomUUID } from "node:crypto";
import { ListSecretVersionIdsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { renderSecretName } from "../../src/vault/secret-name.js";
import type { SecretRef } from "../../src/vault/port.js";

export const TEST_REGION = "us-east-1";
export const TEST_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

export interface SentCommand {
  name: string;
  input: Record<string, unknown>;
}

/** A client for `endpoint` that appends every command it sends to `log`. */
export function recordingClient(endpoint: string, log: SentCommand[] = [], maxAttempts = 3): SecretsManagerClient {
  const client = new SecretsManagerClient({
    endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    maxAttempts,
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      log.push({ name: String(context.commandName), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: "initialize", name: "recordCommands" }
  );
  return client;
}

export function uniqueTemplate(): string {
  return `t-${randomUUID()}/{account}/{uin}`;
}

/** Every version moto holds for the secret, deprecated ones included. */
export async function countVersions(client: SecretsManagerClient, template: string, ref: SecretRef): Promise<number> {
  try {
    const listed = await client.send(
      new ListSecretVersionIdsCommand({ SecretId: renderSecretName(template, ref), IncludeDeprecated: true })
    );
    return listed.Versions?.length ?? 0;
  } catch (error) {
    if ((error as Error).name === "ResourceNotFoundException") return 0;
    throw error;
  }
}
