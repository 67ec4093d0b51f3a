// The CAM actions over the simulator's state: permissions, the two-key rule and the response shapes that
// src/cam/responses.ts validates. Each handler runs synchronously, so admission and state change are atomic.
import type { CamAction } from "../actions.js";
import { SimApiError } from "./api-error.js";
import { camDate } from "./cam-time.js";
import type { ActionParams } from "./params.js";
import type { AccountRecord, KeyRecord, SimState, UserRecord } from "./state.js";
import type { Switches } from "./switches.js";

export interface ActionContext {
  state: SimState;
  caller: UserRecord;
  account: AccountRecord;
  now: number;
  requireInactiveBeforeDelete: boolean;
  switches: Switches;
  /** Records the user the request acts on, for the request log. */
  noteTarget(uin: number): void;
}

type Handler<A extends CamAction> = (ctx: ActionContext, params: ActionParams<A>) => Record<string, unknown>;

export const handlers: { [A in CamAction]: Handler<A> } = {
  CreateAccessKey(ctx, params) {
    const target = targetUser(ctx, params.TargetUin);
    if (!ctx.state.hasRoomForKey(target.uin)) {
      throw new SimApiError("OperationDenied.AccessKeyOverLimit", `user ${target.uin} already has two access keys`);
    }
    const key = ctx.state.createKey(target, ctx.now, {
      authenticatesFrom: ctx.now + ctx.switches.newKeyAuthDelayMs,
      authenticatesAs: target.switches.newKeysAuthenticateAs,
      ...(params.Description === undefined ? {} : { description: params.Description }),
    });
    return { AccessKey: { ...accessKey(key), SecretAccessKey: key.secretAccessKey } };
  },

  ListAccessKeys(ctx, params) {
    const keys = ctx.state.keysOf(targetUser(ctx, params.TargetUin).uin);
    // CAM documents AccessKeys as "may be null"; an empty list is answered as null so clients handle it.
    return { AccessKeys: keys.length === 0 ? null : keys.map(accessKey) };
  },

  UpdateAccessKey(ctx, params) {
    ownedKey(ctx, targetUser(ctx, params.TargetUin), params.AccessKeyId).status = params.Status;
    return {};
  },

  DeleteAccessKey(ctx, params) {
    const key = ownedKey(ctx, targetUser(ctx, params.TargetUin), params.AccessKeyId);
    if (ctx.requireInactiveBeforeDelete && key.status === "Active") {
      throw new SimApiError("FailedOperation.Accesskey", `access key ${key.accessKeyId} is Active; disable it first`);
    }
    ctx.state.deleteKey(key.accessKeyId);
    return {};
  },

  GetSecurityLastUsed(ctx, params) {
    // Ids the caller may not see (unknown, deleted, another user's for a non-admin) get no row at all: a
    // missing row cannot be mistaken for "never used".
    const rows = params.SecretIdList.map((id) => ctx.state.key(id))
      .filter((key): key is KeyRecord => key !== undefined && mayManage(ctx.caller, key))
      .map((key) => ({
        SecretId: key.accessKeyId,
        LastUsedDate: key.lastUsedAt === null ? null : camDate(key.lastUsedAt),
        LastSecretUsedDate: key.lastUsedAt,
      }));
    return { SecretIdLastUsedRows: rows };
  },

  ListUsers(ctx) {
    if (!ctx.caller.admin) throw unauthorized(ctx.caller, "ListUsers");
    // Like CAM, ListUsers lists sub-users; the main account is not one of them.
    const users = ctx.state.usersOf(ctx.account.ownerUin).filter((user) => user.uin !== user.ownerUin);
    return {
      Data: users.map((user) => ({
        Uin: user.uin,
        Name: user.name,
        Uid: user.uid,
        Remark: user.remark ?? "",
        ConsoleLogin: 0,
        PhoneNum: "",
        CountryCode: "",
        Email: "",
        CreateTime: user.createTime,
      })),
    };
  },

  GetUserAppId(ctx) {
    if (ctx.switches.getUserAppIdNeedsPermission && !ctx.caller.admin) throw unauthorized(ctx.caller, "GetUserAppId");
    return { Uin: String(ctx.caller.uin), OwnerUin: String(ctx.account.ownerUin), AppId: ctx.account.appId };
  },

  // STS, for any authenticated key: no permission needed (Tencent documents none).
  GetCallerIdentity(ctx) {
    const { uin } = ctx.caller;
    const owner = ctx.account.ownerUin;
    return {
      AccountId: String(owner),
      UserId: String(uin),
      PrincipalId: String(uin),
      Type: uin === owner ? "RootAccount" : "CAMUser",
      Arn: `qcs::cam::uin/${owner}:uin/${uin}`,
    };
  },
};

/** The user a request acts on: the caller when TargetUin is empty; any user of the account for an admin. */
function targetUser(ctx: ActionContext, targetUin: number | undefined): UserRecord {
  const uin = targetUin ?? ctx.caller.uin;
  ctx.noteTarget(uin);
  if (uin === ctx.caller.uin) return ctx.caller;
  if (!ctx.caller.admin) throw unauthorized(ctx.caller, `the keys of user ${uin}`);
  const target = ctx.state.user(uin);
  if (target === undefined || target.ownerUin !== ctx.caller.ownerUin) {
    throw new SimApiError(
      "InvalidParameter.UserNotExist",
      `user ${uin} does not exist in account ${ctx.caller.ownerUin}`
    );
  }
  if (target.uin === target.ownerUin) {
    throw new SimApiError("OperationDenied.SubUin", "a sub-user may not operate the main account's keys");
  }
  return target;
}

function ownedKey(ctx: ActionContext, target: UserRecord, accessKeyId: string): KeyRecord {
  const key = ctx.state.key(accessKeyId);
  if (key === undefined || key.uin !== target.uin) {
    throw new SimApiError(
      "ResourceNotFound.SecretNotExist",
      `access key ${accessKeyId} does not exist for user ${target.uin}`
    );
  }
  return key;
}

function mayManage(caller: UserRecord, key: KeyRecord): boolean {
  return key.ownerUin === caller.ownerUin && (caller.admin || key.uin === caller.uin);
}

function unauthorized(caller: UserRecord, what: string): SimApiError {
  return new SimApiError("AuthFailure.UnauthorizedOperation", `user ${caller.uin} may not operate on ${what}`);
}

function accessKey(key: KeyRecord): Record<string, unknown> {
  return {
    AccessKeyId: key.accessKeyId,
    Status: key.status,
    CreateTime: key.createTime,
    ...(key.description === undefined ? {} : { Description: key.description }),
  };
}
