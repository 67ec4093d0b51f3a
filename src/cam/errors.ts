// Every CAM failure becomes one CamError whose `kind` says what the caller should do about it.
import type { CamAction } from "./actions.js";

export type CamErrorKind = "throttled" | "overLimit" | "notFound" | "auth" | "invalid" | "transient" | "unknown";

export interface CamErrorContext {
  action: CamAction;
  account: string;
  targetUin?: number;
}

export class CamError extends Error {
  override readonly name = "CamError";
  readonly kind: CamErrorKind;
  readonly action: CamAction;
  readonly account: string;
  readonly targetUin: number | undefined;
  /** Tencent's error code, or a local one such as "MalformedResponse" and "HttpStatus503". */
  readonly code: string;
  readonly requestId: string | undefined;

  constructor(kind: CamErrorKind, context: CamErrorContext, code: string, detail: string, requestId?: string) {
    const where =
      `${context.action} account=${context.account}` +
      (context.targetUin === undefined ? "" : ` uin=${context.targetUin}`);
    super(`CAM ${where} failed: ${code}: ${detail}${requestId ? ` (RequestId ${requestId})` : ""}`);
    this.kind = kind;
    this.action = context.action;
    this.account = context.account;
    this.targetUin = context.targetUin;
    this.code = code;
    this.requestId = requestId;
  }

  /** Worth trying again later: the same request may succeed. */
  get retryable(): boolean {
    return this.kind === "throttled" || this.kind === "transient";
  }
}

/**
 * Codes CAM documents for the key actions, each classed on purpose (cam-api.md lists where each is documented).
 * The reason is what a caller may assume; codes not listed here fall to the prefix rules in `kindOfCode`.
 */
export const DOCUMENTED_CODES: Readonly<Record<string, { kind: CamErrorKind; why: string }>> = {
  "ResourceNotFound.SecretNotExist": {
    kind: "notFound",
    why: 'the key does not exist for that user; for Update and Delete the client answers "gone" instead',
  },
  "InvalidParameter.UserNotExist": { kind: "notFound", why: "the user does not exist: nothing to rotate" },
  "OperationDenied.AccessKeyOverLimit": { kind: "overLimit", why: "two keys already: make room, then create" },
  "OperationDenied.UinNotMatch": {
    kind: "invalid",
    why: 'the key is not that user\'s: the same request fails again. For Update and Delete the client lists the keys, and a key not listed is "gone"',
  },
  "OperationDenied.SubUin": { kind: "invalid", why: "a sub-user may not touch the main account's keys, ever" },
  "FailedOperation.Accesskey": {
    kind: "unknown",
    why: '"error while operating the access key" says neither why nor whether it lasts: retried only within the job\'s bounded attempts, never in-process. For Update and Delete a key not listed is "gone"',
  },
  FailedOperation: {
    kind: "unknown",
    why: "an unexplained refusal: bounded job attempts, never in-process retries, and never read as success",
  },
  "InvalidParameter.ParamError": {
    kind: "invalid",
    why: "our request is malformed: sending it again cannot help, and the failure must reach an operator",
  },
  "InternalError.SystemError": { kind: "transient", why: "CAM's own failure: the same request may succeed later" },
  "InternalError.UnknownError": { kind: "transient", why: "CAM's own failure: the same request may succeed later" },
  RequestLimitExceeded: { kind: "throttled", why: "over the per-second limit: back off, then send again" },
  "RequestLimitExceeded.UinLimitExceeded": { kind: "throttled", why: "the account's limit: as RequestLimitExceeded" },
  "RequestLimitExceeded.IPLimitExceeded": { kind: "throttled", why: "our address's limit: as RequestLimitExceeded" },
  "RequestLimitExceeded.GlobalRegionUinLimitExceeded": {
    kind: "throttled",
    why: "the account's limit across regions: as RequestLimitExceeded",
  },
};

/**
 * Codes with which an Update or Delete may mean "that key is not there (any more)": which one CAM answers for a
 * key already gone is undocumented. SecretNotExist says so outright; the others are confirmed by a listing.
 */
export const GONE_KEY_CODES = {
  certain: ["ResourceNotFound.SecretNotExist"],
  confirmByListing: ["OperationDenied.UinNotMatch", "FailedOperation.Accesskey", "InvalidParameter.ParamError"],
} as const;

/** Maps a Tencent error code to the kind of failure. */
export function kindOfCode(code: string): CamErrorKind {
  const documented = DOCUMENTED_CODES[code];
  if (documented) return documented.kind;
  if (code.startsWith("RequestLimitExceeded")) return "throttled";
  if (code.startsWith("AuthFailure")) return "auth";
  if (code.startsWith("InternalError") || code.startsWith("ServiceUnavailable") || code === "ResourceUnavailable")
    return "transient";
  if (
    code.startsWith("InvalidParameter") ||
    code.startsWith("MissingParameter") ||
    code.startsWith("UnknownParameter") ||
    code === "InvalidAction" ||
    code === "NoSuchVersion" ||
    code === "RequestSizeLimitExceeded" ||
    code.startsWith("OperationDenied")
  )
    return "invalid";
  return "unknown";
}

/**
 * CreateAccessKey answered SUCCESS but with `AccessKey: null` (documented as possible): a key was created whose
 * id and secret we never saw. Transient, never permanent: the caller settles it by listing the user's keys.
 */
export const CREATED_WITHOUT_KEY = "CreatedWithoutAccessKey";

export function isCreatedWithoutKey(error: unknown): boolean {
  return isCamError(error) && error.code === CREATED_WITHOUT_KEY;
}

export function isCamError(error: unknown): error is CamError {
  return error instanceof CamError;
}
