// Domain shapes of CAM responses, after validation. Field names are the rotator's, not Tencent's PascalCase.
export type KeyStatus = "Active" | "Inactive";

export interface AccessKey {
  accessKeyId: string;
  status: KeyStatus;
  /** As CAM prints it, "YYYY-MM-DD HH:mm:ss"; its time zone is not documented. */
  createTime: string;
  description?: string;
}

/** Only CreateAccessKey returns the secret, once. It must go to the vault and nowhere else. */
export interface NewAccessKey extends AccessKey {
  secretAccessKey: string;
}

export interface KeyLastUsed {
  secretId: string;
  /** "YYYY-MM-DD", a day late in real CAM; null when never used. */
  lastUsedDate: string | null;
  /** Epoch milliseconds of the last signed call; null when never used. */
  lastSecretUsedDate: number | null;
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

/** The typed CAM surface the rotation engine uses. Every call goes through the account's rate limiter. */
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
