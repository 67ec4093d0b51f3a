// The AWS adapter's paged metadata listing: ListSecrets, 100 secrets a call, filtered to this rotator's secrets
// under the account's name prefix, read from tags and version labels only (never GetSecretValue).
import { ListSecretsCommand, type SecretListEntry, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { VaultQuotaDeferral } from "../cam/limiter/vault-quota-gate.js";
import { vaultErrorFromAws } from "./aws-errors.js";
import { readStages, realHolder } from "./aws-staging.js";
import { CURRENT_KEY_TAG, planningTime, ROTATED_AT_TAG } from "./metadata-tags.js";
import type { VaultMetadataEntry, VaultMetadataPage } from "./port.js";
import { renderSecretName } from "./secret-name.js";

const PAGE_SIZE = 100;

/** The part of the account's secret names before the UIN: a ListSecrets name filter (a prefix match). */
export function accountNamePrefix(template: string, account: string): string {
  return template.slice(0, template.indexOf("{uin}")).replaceAll("{account}", account);
}

export async function listAwsMetadata(
  client: SecretsManagerClient,
  template: string,
  managedBy: { Key: string; Value: string },
  account: string,
  pageToken: string | undefined
): Promise<VaultMetadataPage> {
  const prefix = accountNamePrefix(template, account);
  let listed;
  try {
    listed = await client.send(
      new ListSecretsCommand({
        MaxResults: PAGE_SIZE,
        ...(pageToken ? { NextToken: pageToken } : {}),
        Filters: [
          { Key: "tag-key", Values: [managedBy.Key] },
          ...(prefix ? [{ Key: "name" as const, Values: [prefix] }] : []),
        ],
      })
    );
  } catch (error) {
    if (error instanceof VaultQuotaDeferral) throw error;
    throw vaultErrorFromAws("listMetadata", "ListSecrets", `${prefix}*`, error);
  }
  const entries = (listed.SecretList ?? []).flatMap((secret) => entryOf(secret, template, managedBy, account) ?? []);
  return { entries, ...(listed.NextToken ? { nextToken: listed.NextToken } : {}) };
}

/** The entry for one listed secret, or undefined when it is not ours, not this account's, or not under its name. */
function entryOf(
  secret: SecretListEntry,
  template: string,
  managedBy: { Key: string; Value: string },
  account: string
): VaultMetadataEntry | undefined {
  const tags = new Map((secret.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
  const uin = Number(tags.get("cam-uin"));
  if (
    tags.get(managedBy.Key) !== managedBy.Value ||
    tags.get("cam-account") !== account ||
    !Number.isSafeInteger(uin) ||
    uin <= 0
  )
    return undefined;
  const name = secret.Name ?? "";
  // The prefix filter is case-insensitive on AWS; only the exact name this user's secret has counts.
  if (name !== safeName(template, account, uin)) return undefined;
  const stages = readStages(name, secret.SecretVersionsToStages);
  // Labels that cannot be read (one on two versions): the per-user path reports the problem by name.
  if (!stages.ok) return { uin, name, hasCurrent: true };
  const hasCurrent = realHolder(stages.state, "AWSCURRENT") !== undefined;
  const currentKeyId = tags.get(CURRENT_KEY_TAG);
  const rotatedAtTag = tags.get(ROTATED_AT_TAG);
  const rotatedAt = rotatedAtTag === undefined ? null : planningTime(rotatedAtTag);
  return {
    uin,
    name,
    hasCurrent,
    ...(hasCurrent && currentKeyId && rotatedAt !== null ? { planning: { currentKeyId, rotatedAt } } : {}),
  };
}

function safeName(template: string, account: string, uin: number): string | undefined {
  try {
    return renderSecretName(template, { account, uin });
  } catch {
    return undefined;
  }
}
