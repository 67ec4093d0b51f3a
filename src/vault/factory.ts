// Builds the configured vault. The config shapes mirror the `vault` section of the daemon's config file.
import type { VaultQuotaGate } from "../cam/limiter/vault-quota-gate.js";
import { createAwsSecretsManagerVault } from "./aws-secrets-manager.js";
import { openFileVault } from "./file-vault.js";
import type { Vault } from "./port.js";

export type VaultConfig =
  | { type: "aws-secrets-manager"; region: string; endpoint?: string; kmsKeyId?: string; nameTemplate?: string }
  | { type: "file"; path: string };

export interface VaultServices {
  /** Paces the AWS vault's request quotas (the file vault has none); unpaced without it. */
  quota?: VaultQuotaGate;
}

/** The vault for `config`. A file vault that exists is opened and its key checked before this resolves. */
export async function createVault(config: VaultConfig, services: VaultServices = {}): Promise<Vault> {
  switch (config.type) {
    case "aws-secrets-manager":
      return createAwsSecretsManagerVault({
        region: config.region,
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
        ...(config.kmsKeyId ? { kmsKeyId: config.kmsKeyId } : {}),
        ...(config.nameTemplate ? { nameTemplate: config.nameTemplate } : {}),
        ...(services.quota ? { quota: services.quota } : {}),
      });
    case "file":
      return openFileVault({ path: config.path });
    default: {
      const unknown: never = config;
      throw new Error(`vault.type: unknown vault type ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }
}
