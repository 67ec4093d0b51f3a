// Paces the AWS adapter's calls under the vault's quota gate. One middleware on the SDK client is the choke
// point: every command the adapter sends passes it, and it sits inside the SDK's retry loop, so each attempt
// (the SDK's own retries too) waits for a slot, and each ThrottlingException pushes the pool's slots back.
import type { SecretsManagerClient, ServiceInputTypes, ServiceOutputTypes } from "@aws-sdk/client-secrets-manager";
import type { FinalizeRequestMiddleware } from "@smithy/types";
import type { VaultPool, VaultQuotaGate } from "../cam/limiter/vault-quota-gate.js";
import { awsErrorCode } from "./aws-errors.js";

/**
 * AWS Secrets Manager's shared per-region pools, by operation. The rest have quotas of their own that a rotation
 * cannot reach (GetSecretValue 10,000/s, DescribeSecret 40,000/s) and are not paced.
 */
const POOL_OF_OPERATION: Readonly<Record<string, VaultPool>> = {
  PutSecretValue: "writes",
  UpdateSecret: "writes",
  UpdateSecretVersionStage: "writes",
  ReplicateSecretToRegions: "writes",
  RemoveRegionsFromReplication: "writes",
  StopReplicationToReplica: "writes",
  TagResource: "tags",
  UntagResource: "tags",
};

/** The pool of an operation ("PutSecretValue", or the SDK's command name "PutSecretValueCommand"). */
export function vaultPoolOf(operation: string): VaultPool | undefined {
  const name = operation.replace(/Command$/, "");
  return Object.hasOwn(POOL_OF_OPERATION, name) ? POOL_OF_OPERATION[name] : undefined;
}

export function paceVaultCalls(client: SecretsManagerClient, gate: VaultQuotaGate): void {
  const pace: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => async (args) => {
    const pool = vaultPoolOf(String(context.commandName));
    if (!pool) return next(args);
    await gate.admit(pool);
    try {
      return await next(args);
    } catch (error) {
      if (awsErrorCode(error) === "ThrottlingException") await gate.penalize(pool);
      throw error;
    }
  };
  client.middlewareStack.addRelativeTo(pace,
    { relation: "after", toMiddleware: "retryMiddleware", name: "camRotatorVaultQuota", override: true });
}
