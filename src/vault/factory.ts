// Builds the configured vault. The config shapes mirror the `vault` section of the daemon's config file.
import { createAwsSecretsManagerVault } from "./aws-secrets-manager.js";
import { openFileVault } from "./file-vault.js";
import type { Vault } from "./port.js";

export type VaultConfig =
  | { type: "aws-secrets-manager"; region: string; endpoint?: string; kmsKeyId?: string; nameTemplate?: string }
  | { type: "file"; path: string };

/** The vault for `config`. A file vault that exists is opened and its key checked before this resolves. */
export async function createVault(config: VaultConfig): Promise<Vault> {
  switch (config.type) {
    case "aws-secrets-manager":
      return createAwsSecretsManagerVault({
        region: config.region,
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
        ...(config.kmsKeyId ? { kmsKeyId: config.kmsKeyId } : {}),
        ...(config.nameTemplate ? { nameTemplate: config.nameTemplate } : {}),
      });
    case "file":
      return openFileVault({ path: config.path });
    default: {
      const unknown: never = config;
      throw new Error(`vault.type: unknown vault type ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }
}
