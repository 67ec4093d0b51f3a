// Where a secret lives, as text without secrets: the vault identity a rotation attempt records (progress.ts) so
// that a resumed run can tell whether it looks at the vault the attempt wrote to. Two identities are equal only
// when they name the same storage: type, region, endpoint and secret name for AWS; host and absolute path (and
// the secret's key inside the file) for the file vault, since a file on another host is another vault.
import { hostname } from "node:os";
import { resolve } from "node:path";

/** The endpoint without user info (a URL may carry a password); "default" for the regional AWS endpoint. */
export function endpointIdentity(endpoint: string | undefined): string {
  if (!endpoint) return "default";
  try {
    const url = new URL(endpoint);
    url.username = "";
    url.password = "";
    return url.toString();
  } catch {
    return "unparsable";
  }
}

export function awsVaultIdentity(parts: { region: string; endpoint: string | undefined; secretName: string }): string {
  return `aws-secrets-manager region=${parts.region} endpoint=${endpointIdentity(parts.endpoint)} secret=${parts.secretName}`;
}

/** `host` defaults to this host's name: the same path on two hosts is two vaults. */
export function fileVaultIdentity(parts: { path: string; secretKey: string; host?: string }): string {
  return `file host=${parts.host ?? hostname()} path=${resolve(parts.path)} secret=${parts.secretKey}`;
}
