// Counts the Secrets Manager calls a vault makes, by API, on a client of its own (one per call: the count is
// taken before the SDK's retry loop). The per-rotation budget tests read it.
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { recordingClient, type SentCommand } from "../vault/moto.js";

export interface CountingVaultClient {
  client: SecretsManagerClient;
  /** Calls per API since the last reset: { DescribeSecret: 1, PutSecretValue: 1, ... }. */
  calls(): Record<string, number>;
  total(): number;
  reset(): void;
}

export function countingVaultClient(endpoint: string): CountingVaultClient {
  const sent: SentCommand[] = [];
  const client = recordingClient(endpoint, sent);
  const calls = () => {
    const counts: Record<string, number> = {};
    for (const { name } of sent) {
      const api = name.replace(/Command$/, "");
      counts[api] = (counts[api] ?? 0) + 1;
    }
    return counts;
  };
  return { client, calls, total: () => sent.length, reset: () => void sent.splice(0) };
}
