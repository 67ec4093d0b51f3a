// The typed CAM client: the official SDK does the signing and the HTTP; this file adds the limiter in front,
// response validation, and one error type behind.
import tencentcloud from "tencentcloud-sdk-nodejs-common";
import { SERVICES, type CamAction, type TencentService } from "./actions.js";
import { defaultStsEndpoint, sdkEndpoint } from "./endpoint.js";
import { CamError, CREATED_WITHOUT_KEY, GONE_KEY_CODES, kindOfCode, type CamErrorContext } from "./errors.js";
import type { CallGate } from "./limiter/gate.js";
import { parseResponse, rowSchemas, rowsOf, type CamResponse } from "./responses.js";
import { parseCamDay } from "./time-text.js";
import type {
  AccessKey,
  CamAnswerWarning,
  CamApi,
  CamCredentials,
  CamUser,
  CallerIdentity,
  KeyChange,
  KeyLastUsed,
  KeyStatus,
  NewAccessKey,
  StsIdentity,
} from "./types.js";

const { CommonClient } = tencentcloud;
const LAST_USED_BATCH = 10;
/** STS requires a Region; GetCallerIdentity answers the same in any region. */
export const STS_REGION = "ap-guangzhou";

export interface CamAccountSettings {
  /** The account's name in the rotator's config; errors, limiter keys and metrics carry it. */
  name: string;
  /** Default https://cam.tencentcloudapi.com; an http(s) URL of a simulator or proxy otherwise. */
  endpoint?: string;
  /** Where STS GetCallerIdentity goes; default: see defaultStsEndpoint (a simulator's or proxy's is the same URL). */
  stsEndpoint?: string;
  credentials: CamCredentials;
  /** Seconds before a request is abandoned (a transient error). Default 10. */
  requestTimeoutSec?: number;
}

export interface CamCallObservation {
  account: string;
  action: CamAction;
  /** "OK", a Tencent error code, or a local code such as "MalformedResponse". */
  code: string;
  durationMs: number;
}

export interface CamClientDeps {
  gate: CallGate;
  /** How often a call answered with RequestLimitExceeded is sent again after the gate's penalty. Default 3. */
  throttleRetries?: number;
  observe?: (observation: CamCallObservation) => void;
  /** A list row that was skipped rather than failing the whole answer. Default: ignored. */
  warn?: (warning: CamAnswerWarning) => void;
}

type Sdk = InstanceType<typeof CommonClient>;

export function createCamClient(settings: CamAccountSettings, deps: CamClientDeps): CamApi {
  const account = settings.name;
  const routes: Record<TencentService, ReturnType<typeof sdkEndpoint>> = {
    cam: sdkEndpoint(settings.endpoint, "cam"),
    sts: sdkEndpoint(settings.stsEndpoint ?? defaultStsEndpoint(settings.endpoint), "sts"),
  };
  const sdkFor = (credentials: CamCredentials, service: TencentService = "cam"): Sdk => {
    const route = routes[service];
    return new CommonClient(route.endpoint, SERVICES[service].version, {
      credential: { secretId: credentials.secretId, secretKey: credentials.secretKey },
      ...(service === "sts" ? { region: STS_REGION } : {}),
      profile: {
        httpProfile: {
          endpoint: route.endpoint,
          protocol: route.protocol,
          reqTimeout: settings.requestTimeoutSec ?? 10,
          ...(route.agent ? { agent: route.agent } : {}),
        },
        language: "en-US",
      },
    });
  };
  const ownSdk = sdkFor(settings.credentials);
  const ownStsSdk = sdkFor(settings.credentials, "sts");
  let ownIdentity: Promise<StsIdentity> | undefined;
  const throttleRetries = deps.throttleRetries ?? 3;

  async function call<A extends CamAction>(
    sdk: Sdk,
    action: A,
    params: Record<string, unknown>,
    targetUin?: number
  ): Promise<CamResponse<A>> {
    const context: CamErrorContext = { action, account, ...(targetUin === undefined ? {} : { targetUin }) };
    for (let attempt = 0; ; attempt++) {
      await deps.gate.admit(account, action);
      const started = performance.now();
      try {
        const body: unknown = await sdk.request(action, params);
        const parsed = parseResponse(action, body);
        if (!parsed.ok)
          throw new CamError("transient", context, "MalformedResponse", parsed.problem, requestIdOf(body));
        deps.observe?.({ account, action, code: "OK", durationMs: performance.now() - started });
        return parsed.value;
      } catch (raw) {
        const error = raw instanceof CamError ? raw : classifySdkError(raw, context);
        deps.observe?.({ account, action, code: error.code, durationMs: performance.now() - started });
        if (error.kind !== "throttled" || attempt >= throttleRetries) throw error;
        await deps.gate.penalize(account, action);
      }
    }
  }

  const target = (targetUin: number) => ({ TargetUin: targetUin });

  /** The rows of a list that can be read; each skipped row is reported, by index and field, never by value. */
  function readableRows<T>(
    action: CamAction,
    list: unknown[],
    schema: Parameters<typeof rowsOf<T>>[1],
    field: string
  ): T[] {
    const { rows, skipped } = rowsOf(list, schema, field);
    for (const row of skipped) deps.warn?.({ account, action, problem: row.problem });
    return rows;
  }

  async function listAccessKeys(targetUin: number): Promise<AccessKey[]> {
    const { AccessKeys } = await call(ownSdk, "ListAccessKeys", target(targetUin), targetUin);
    return AccessKeys.map(toAccessKey);
  }

  /**
   * Runs an Update or Delete; "gone" when CAM says the key is not that user's (any more). Which code it says
   * that with is undocumented (errors.ts): the ambiguous ones count as "gone" only when a listing agrees.
   */
  async function changeKey(targetUin: number, accessKeyId: string, send: () => Promise<unknown>): Promise<KeyChange> {
    try {
      await send();
      return "done";
    } catch (error) {
      if (!(error instanceof CamError)) throw error;
      if ((GONE_KEY_CODES.certain as readonly string[]).includes(error.code)) return "gone";
      if (!(GONE_KEY_CODES.confirmByListing as readonly string[]).includes(error.code)) throw error;
      const listed = (await listAccessKeys(targetUin)).some((key) => key.accessKeyId === accessKeyId);
      if (listed) throw error;
      return "gone";
    }
  }

  return {
    account,
    async createAccessKey(targetUin): Promise<NewAccessKey> {
      const { AccessKey: key } = await call(ownSdk, "CreateAccessKey", target(targetUin), targetUin);
      if (!key) {
        throw new CamError(
          "transient",
          { action: "CreateAccessKey", account, targetUin },
          CREATED_WITHOUT_KEY,
          "CAM answered success without the AccessKey; the new key is settled by listing"
        );
      }
      return { ...toAccessKey(key), secretAccessKey: key.SecretAccessKey };
    },
    listAccessKeys,
    updateAccessKey: (targetUin, accessKeyId, status: KeyStatus) =>
      changeKey(targetUin, accessKeyId, () =>
        call(ownSdk, "UpdateAccessKey", { ...target(targetUin), AccessKeyId: accessKeyId, Status: status }, targetUin)
      ),
    deleteAccessKey: (targetUin, accessKeyId) =>
      changeKey(targetUin, accessKeyId, () =>
        call(ownSdk, "DeleteAccessKey", { ...target(targetUin), AccessKeyId: accessKeyId }, targetUin)
      ),
    async getSecurityLastUsed(secretIds): Promise<KeyLastUsed[]> {
      const rows: KeyLastUsed[] = [];
      for (let i = 0; i < secretIds.length; i += LAST_USED_BATCH) {
        const batch = secretIds.slice(i, i + LAST_USED_BATCH);
        const { SecretIdLastUsedRows } = await call(ownSdk, "GetSecurityLastUsed", { SecretIdList: batch });
        for (const row of readableRows(
          "GetSecurityLastUsed",
          SecretIdLastUsedRows,
          rowSchemas.lastUsed,
          "SecretIdLastUsedRows"
        )) {
          rows.push({
            secretId: row.SecretId,
            lastUsedAt: row.LastSecretUsedDate ?? null,
            lastUsedDay: row.LastUsedDate == null ? null : parseCamDay(row.LastUsedDate),
          });
        }
      }
      return rows;
    },
    async listUsers(): Promise<CamUser[]> {
      const { Data } = await call(ownSdk, "ListUsers", {});
      return readableRows("ListUsers", Data, rowSchemas.user, "Data").map((user) => ({
        uin: user.Uin,
        name: user.Name,
        ...(user.Uid == null ? {} : { uid: user.Uid }),
        ...(user.Remark == null ? {} : { remark: user.Remark }),
      }));
    },
    async getUserAppId(): Promise<CallerIdentity> {
      return identity(await call(ownSdk, "GetUserAppId", {}));
    },
    callerIdentity(): Promise<StsIdentity> {
      // The credentials are fixed for the client's life, so is their identity; a failed ask is asked again.
      ownIdentity ??= call(ownStsSdk, "GetCallerIdentity", {}).then(stsIdentity);
      return ownIdentity.catch((error: unknown) => {
        ownIdentity = undefined;
        throw error;
      });
    },
    async whoAmI(credentials): Promise<StsIdentity> {
      return stsIdentity(await call(sdkFor(credentials, "sts"), "GetCallerIdentity", {}));
    },
  };
}

function toAccessKey(key: CamResponse<"ListAccessKeys">["AccessKeys"][number]): AccessKey {
  return {
    accessKeyId: key.AccessKeyId,
    status: key.Status,
    createdAt: key.CreateTime,
    ...(key.Description == null ? {} : { description: key.Description }),
  };
}

function identity(response: CamResponse<"GetUserAppId">): CallerIdentity {
  return { uin: response.Uin, ownerUin: response.OwnerUin, appId: response.AppId };
}

function stsIdentity(response: CamResponse<"GetCallerIdentity">): StsIdentity {
  return {
    accountId: response.AccountId,
    userId: response.UserId,
    principalId: response.PrincipalId,
    type: response.Type,
    arn: response.Arn,
  };
}

function requestIdOf(body: unknown): string | undefined {
  const id = (body as { RequestId?: unknown } | null)?.RequestId;
  return typeof id === "string" ? id : undefined;
}

/**
 * The SDK throws TencentCloudSDKHttpException (not exported): `code` on API errors, `httpCode` on non-200
 * answers; a network failure or a body that is not JSON arrives as a plain error. Messages from the network
 * layer name the URL only, but we still build our own message from fixed parts.
 */
export function classifySdkError(raw: unknown, context: CamErrorContext): CamError {
  const error = raw as { code?: unknown; httpCode?: unknown; requestId?: unknown; message?: unknown; type?: unknown };
  const requestId = typeof error?.requestId === "string" && error.requestId !== "" ? error.requestId : undefined;
  if (typeof error?.code === "string" && error.code !== "" && /^[A-Za-z.]+$/.test(error.code)) {
    return new CamError(kindOfCode(error.code), context, error.code, safeMessage(error.message), requestId);
  }
  if (typeof error?.httpCode === "number") {
    return new CamError("transient", context, `HttpStatus${error.httpCode}`, "non-200 response", requestId);
  }
  const message = String(error?.message ?? raw);
  if (/json|Unexpected token|Cannot read properties/i.test(message)) {
    return new CamError("transient", context, "MalformedResponse", "response body is not a CAM envelope", requestId);
  }
  if (/timeout|timed out/i.test(message)) {
    return new CamError("transient", context, "Timeout", "no response within the request timeout", requestId);
  }
  return new CamError("transient", context, "NetworkError", networkReason(message), requestId);
}

/** Tencent's own messages are short prose; cap them so nothing unexpected rides along in full. */
function safeMessage(message: unknown): string {
  return typeof message === "string" ? message.slice(0, 200) : "";
}

function networkReason(message: string): string {
  const known = /(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up)/.exec(message);
  return known ? known[1]! : "request failed before a response arrived";
}
