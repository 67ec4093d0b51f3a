// The vault's public surface: the port, the two adapters, the factory and the naming/token helpers.
export * from "./port.js";
export {
  createAwsSecretsManagerVault,
  MANAGED_BY_TAG,
  type AwsSecretsManagerVaultOptions,
} from "./aws-secrets-manager.js";
export { createFileVault, openFileVault, type FileVaultOptions } from "./file-vault.js";
export { KEY_ENV as FILE_VAULT_KEY_ENV } from "./file-vault-crypto.js";
export { createVault, type VaultConfig, type VaultServices } from "./factory.js";
export { DEFAULT_NAME_TEMPLATE, renderSecretName } from "./secret-name.js";
export { rotationToken } from "./tokens.js";
