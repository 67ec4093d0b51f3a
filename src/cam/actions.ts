// The CAM actions the rotator calls, and Tencent's documented per-second limits for each.
export const CAM_ACTIONS = [
  "CreateAccessKey",
  "ListAccessKeys",
  "UpdateAccessKey",
  "DeleteAccessKey",
  "GetSecurityLastUsed",
  "ListUsers",
  "GetUserAppId",
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
};

export function isCamAction(value: string): value is CamAction {
  return (CAM_ACTIONS as readonly string[]).includes(value);
}
