// Domain shapes of CAM responses, after validation. Field names are the rotator's, not Tencent's PascalCase, and
// times are epoch milliseconds: the client reads CAM's time texts (time-text.ts), the engine never does.
import type { CamAction } from "./actions.js";

export type KeyStatus = "Active" | "Inactive";

export interface AccessKey {
  accessKeyId: string;
  status: KeyStatus;
  /** Epoch ms of CAM's CreateTime ("YYYY-MM-DD HH:mm:ss", to the second, zone undocumented: read as UTC+8). */
  createdAt: number;
  description?: string;
}

/** Only CreateAccessKey returns the secret, once. It must go to the vault and nowhere else. */
export interface NewAccessKey extends AccessKey {
  secretAccessKey: string;
}

export interface KeyLastUsed {
  secretId: string;
  /** Epoch ms of the last signed call (LastSecretUsedDate); null when CAM gives none. */
  lastUsedAt: number | null;
  /**
   * Start (00:00 UTC) of the day CAM names in LastUsedDate: a day late in real CAM, zone unstated; null when
   * none. A row whose only evidence is an unreadable day is left out (a key without a row counts as used).
   */
  lastUsedDay: number | null;
}

export interface CamUser {
  uin: number;
  name: string;
  uid?: number;
  remark?: string;
}

export interface CallerIdentity {
  uin: string;
  ownerUin: string;
  appId: number;
}

/**
 * What an Update or Delete did. "gone": the key does not exist for that user (any more), whichever documented
 * code CAM said that with; removing or deactivating a key that is gone is done, so retries are free.
 */
export type KeyChange = "done" | "gone";

/** A list row CAM sent that the client left out (a `Uin: 0` user, a row missing a field). Paths only, no values. */
export interface CamAnswerWarning {
  account: string;
  action: string;
  problem: string;
}

/** STS GetCallerIdentity: whose key signed the call. */
export interface StsIdentity {
  /** The owner (main account) UIN. */
  accountId: string;
  /** The caller's UIN for a CAM user or the main account. */
  userId: string;
  principalId: string;
  /** e.g. "CAMUser". */
  type: string;
  arn: string;
}

export interface CamCredentials {
  secretId: string;
  secretKey: string;
}

/**
 * A call the client did not send: its rate-limit slot is further off than the caller may wait. Nothing happened
 * at CAM, so it is no failed attempt; the caller may try again after `retryAfterMs`. The limiter raises it.
 */
export class CamDeferral extends Error {
  override readonly name: string = "CamDeferral";
  constructor(
    readonly account: string,
    readonly action: CamAction,
    readonly retryAfterMs: number,
    message: string
  ) {
    super(message);
  }
}

/**
 * The typed CAM surface the rotation engine uses. Every call goes through the account's rate limiter, and any of
 * them may reject with CamDeferral; failures reject with CamError (errors.ts), whose `kind` says what to do.
 */
export interface CamApi {
  readonly account: string;
  createAccessKey(targetUin: number): Promise<NewAccessKey>;
  listAccessKeys(targetUin: number): Promise<AccessKey[]>;
  updateAccessKey(targetUin: number, accessKeyId: string, status: KeyStatus): Promise<KeyChange>;
  deleteAccessKey(targetUin: number, accessKeyId: string): Promise<KeyChange>;
  /** At most 10 ids per CAM call; longer lists are split. */
  getSecurityLastUsed(secretIds: string[]): Promise<KeyLastUsed[]>;
  /** Rows that do not name a rotatable user (Uin 0, a field missing) are skipped with a warning. */
  listUsers(): Promise<CamUser[]>;
  getUserAppId(): Promise<CallerIdentity>;
  /** STS GetCallerIdentity signed with the client's own credentials; asked once, then remembered. */
  callerIdentity(): Promise<StsIdentity>;
  /** STS GetCallerIdentity signed with other credentials (a freshly created key), through the same limiter. */
  whoAmI(credentials: CamCredentials): Promise<StsIdentity>;
}
