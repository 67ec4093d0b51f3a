// Proving a freshly created key: sign STS GetCallerIdentity with it, again and again while CAM propagates it,
// until CAM accepts the signature or time runs out. What each answer means is decided here, once, for the
// rotation's verify step and for `cam-rotator canary`.
import { isCamError } from "./errors.js";
import type { CamApi, CamCredentials, StsIdentity } from "./types.js";

/** The only answers that mean "this key is not valid (yet)": worth asking again until the deadline. */
export const NOT_VALID_YET = [
  "AuthFailure.SecretIdNotFound",
  "AuthFailure.SignatureFailure",
  "AuthFailure.InvalidSecretId",
];
/** CAM checked the signature, then refused the action for lack of permission: the key authenticates. */
export const AUTHORIZATION_REFUSED = ["AuthFailure.UnauthorizedOperation", "UnauthorizedOperation"];
/** X-TC-Timestamp is more than 5 minutes from CAM's clock: our clock is wrong, not the key. */
export const SIGNATURE_EXPIRED = "AuthFailure.SignatureExpire";

export type KeyProof = { elapsedMs: number; attempts: number } & (
  | { kind: "identified"; identity: StsIdentity }
  | { kind: "accepted"; code: string }
  | { kind: "clockSkew"; problem: string }
  | { kind: "neverValid"; problem: string }
  | { kind: "unavailable"; problem: string }
);

export interface ProofTiming {
  timeoutMs: number;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
}

const FIRST_PAUSE_MS = 200;
const LONGEST_PAUSE_MS = 2_000;

/**
 * Resolves with what CAM made of the key. Throws what cannot be waited out (a limiter deferral, a request CAM
 * calls invalid, an answer none of the lists above name): the caller decides, and the key is left as it is.
 */
export async function proveKey(cam: CamApi, credentials: CamCredentials, timing: ProofTiming): Promise<KeyProof> {
  const started = timing.clock();
  const deadline = started + timing.timeoutMs;
  let attempts = 0;
  let last: { kind: "neverValid" | "unavailable"; problem: string };
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
    attempts++;
    const took = () => ({ elapsedMs: timing.clock() - started, attempts });
    try {
      const identity = await cam.whoAmI(credentials);
      return { kind: "identified", identity, ...took() };
    } catch (error) {
      if (!isCamError(error)) throw error;
      const problem = `${error.code}${error.requestId ? ` (RequestId ${error.requestId})` : ""}`;
      if (AUTHORIZATION_REFUSED.includes(error.code)) return { kind: "accepted", code: error.code, ...took() };
      if (error.code === SIGNATURE_EXPIRED) return { kind: "clockSkew", problem, ...took() };
      if (NOT_VALID_YET.includes(error.code)) last = { kind: "neverValid", problem };
      else if (error.retryable) last = { kind: "unavailable", problem };
      else throw error;
    }
    const left = deadline - timing.clock();
    if (left <= 0) return { ...last, elapsedMs: timing.clock() - started, attempts };
    await timing.sleep(Math.min(pause, left));
  }
}

/** Why `identity` is not the user `uin` of the account `ownerUin` (null: the owner is unknown), or null if it is. */
export function identityMismatch(identity: StsIdentity, uin: number, ownerUin: string | null): string | null {
  const sameUser = identity.userId === String(uin);
  const sameOwner = ownerUin === null || identity.accountId === ownerUin;
  return sameUser && sameOwner
    ? null
    : `it authenticates as uin ${identity.userId} of account ${identity.accountId} (${identity.type}), not uin ${uin}` +
        (ownerUin === null ? "" : ` of account ${ownerUin}`);
}

/** The owner account of the client's own credentials, or null when STS refuses to say (no permission). */
export async function ownOwnerUin(cam: CamApi): Promise<string | null> {
  try {
    return (await cam.callerIdentity()).accountId;
  } catch (error) {
    if (isCamError(error) && AUTHORIZATION_REFUSED.includes(error.code)) return null;
    throw error;
  }
}
