// The Tencent Cloud actions the rotator calls, and Tencent's documented per-second limits for each. All are CAM
// actions but one: STS GetCallerIdentity, the call made to answer "whose key is this?" when a new key is proven.
export const CAM_ACTIONS = [
  "CreateAccessKey",
  "ListAccessKeys",
  "UpdateAccessKey",
  "DeleteAccessKey",
  "GetSecurityLastUsed",
  "ListUsers",
  "GetUserAppId",
  "GetCallerIdentity",
] as const;

export type CamAction = (typeof CAM_ACTIONS)[number];

/** Calls per second per account, from Tencent's API reference (DeleteAccessKey's 5/s is unverified). */
export const DEFAULT_RATE_LIMITS: Readonly<Record<CamAction, number>> = {
  CreateAccessKey: 5,
  UpdateAccessKey: 5,
  DeleteAccessKey: 5,
  ListAccessKeys: 20,
  GetSecurityLastUsed: 20,
  ListUsers: 20,
  GetUserAppId: 20,
  GetCallerIdentity: 20,
};

export type TencentService = "cam" | "sts";

/** The service an action belongs to: its host's first label, the signing scope's service, and its API version. */
export const SERVICES: Readonly<Record<TencentService, { version: string }>> = {
  cam: { version: "2019-01-16" },
  sts: { version: "2018-08-13" },
};

export function serviceOf(action: CamAction): TencentService {
  return action === "GetCallerIdentity" ? "sts" : "cam";
}

export function isCamAction(value: string): value is CamAction {
  return (CAM_ACTIONS as readonly string[]).includes(value);
}
