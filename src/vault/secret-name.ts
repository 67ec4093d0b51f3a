// Where a user's secret lives in AWS Secrets Manager: a name rendered from a template.
import type { SecretRef } from "./port.js";

export const DEFAULT_NAME_TEMPLATE = "tencentcloud/cam/{account}/{uin}";

// Secrets Manager allows ASCII letters, digits and /_+=.@- in names, up to 512 characters.
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/** Why `template` cannot name secrets, or undefined. Without both placeholders, users would share a secret. */
export function nameTemplateProblem(template: string): string | undefined {
  if (!template.includes("{account}") || !template.includes("{uin}"))
    return `name template "${template}" must contain {account} and {uin}`;
  const sample = template.replaceAll("{account}", "a").replaceAll("{uin}", "1");
  if (!NAME_PATTERN.test(sample))
    return `name template "${template}" may hold only letters, digits, /_+=.@- besides {account} and {uin}`;
  return undefined;
}

/** Renders the secret name for `ref`; throws when the result is not a valid Secrets Manager name. */
export function renderSecretName(template: string, ref: SecretRef): string {
  const name = template.replaceAll("{account}", ref.account).replaceAll("{uin}", String(ref.uin));
  if (!NAME_PATTERN.test(name))
    throw new Error(
      `secret name "${name}" for account "${ref.account}" uin ${ref.uin} is not a valid Secrets Manager name`
    );
  return name;
}
