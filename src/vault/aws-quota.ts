// Paces the AWS adapter's calls under the vault's quota gate. The SDK client's middleware stack is the choke
// point: every command the adapter sends passes it, inside the SDK's retry loop, so each attempt (the SDK's own
// retries too) waits for a slot, and each ThrottlingException pushes the pool's slots back.
import type { SecretsManagerClient, ServiceInputTypes, ServiceOutputTypes } from "@aws-sdk/client-secrets-manager";
import type { DeserializeMiddleware, FinalizeRequestMiddleware, HandlerExecutionContext } from "@smithy/types";
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

/**
 * Two middlewares, one job. The slot is taken innermost, right before the HTTP handler, after signing and the
 * SDK's other per-attempt work, so the request leaves as close to its slot as the SDK allows (a cold client
 * spent half a second between an outer slot and the wire). The penalty is taken just inside the retry loop,
 * where the answer has been parsed into an error code.
 */
export function paceVaultCalls(client: SecretsManagerClient, gate: VaultQuotaGate): void {
  const poolOf = (context: HandlerExecutionContext) => vaultPoolOf(String(context.commandName));
  const admit: DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => async (args) => {
    const pool = poolOf(context);
    // PutSecretValue carries a new key's secret that lives only in memory until it is stored: it waits longer.
    if (pool) await gate.admit(pool, { patient: String(context.commandName) === "PutSecretValueCommand" });
    return next(args);
  };
  const penalize: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> =
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const pool = poolOf(context);
        if (pool && awsErrorCode(error) === "ThrottlingException") await gate.penalize(pool);
        throw error;
      }
    };
  client.middlewareStack.addRelativeTo(penalize, {
    relation: "after",
    toMiddleware: "retryMiddleware",
    name: "camRotatorVaultQuotaPenalty",
    override: true,
  });
  client.middlewareStack.addRelativeTo(admit, {
    relation: "after",
    toMiddleware: "deserializerMiddleware",
    name: "camRotatorVaultQuotaSlot",
    override: true,
  });
}
