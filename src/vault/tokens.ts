// Idempotency tokens (they become version ids): deterministic per rotation attempt, so a retried or resumed
// attempt stages under the same token and AWS's own idempotency applies.
import { createHash } from "node:crypto";

/** A fixed namespace for cam-rotator's name-based UUIDs (randomly chosen once, never to change). */
const CAM_ROTATOR_NAMESPACE = "3f9d5c2a-8e41-4b7c-9a06-d2e7b15c84f3";

/** A name-based UUID in the RFC 9562 version-5 layout: SHA-1 over namespace and name. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash("sha1")
    .update(Buffer.from(namespace.replaceAll("-", ""), "hex"))
    .update(name, "utf8")
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The ClientRequestToken (and so the version id) for one rotation attempt of one user. 36 characters. */
export function rotationToken(account: string, uin: number, attemptId: string): string {
  // JSON keeps the parts unambiguous whatever characters an account name or attempt id holds.
  return uuidV5(CAM_ROTATOR_NAMESPACE, JSON.stringify(["rotation", account, uin, attemptId]));
}

/** The version id of the AWS adapter's "no key promoted yet" version of a secret (see aws-staging.ts). */
export function placeholderToken(secretName: string): string {
  return uuidV5(CAM_ROTATOR_NAMESPACE, JSON.stringify(["placeholder", secretName]));
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,64}$/;

/** Why `token` cannot be a version id, or undefined. AWS wants 32-64 characters; both adapters agree. */
export function tokenProblem(token: string): string | undefined {
  if (typeof token !== "string" || !TOKEN_PATTERN.test(token))
    return `token "${String(token).slice(0, 80)}" must be 32-64 characters of A-Z a-z 0-9 _ -`;
  return undefined;
}
