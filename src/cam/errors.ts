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
    const where = `${context.action} account=${context.account}` +
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

/** Maps a Tencent error code to the kind of failure. */
export function kindOfCode(code: string): CamErrorKind {
  if (code.startsWith("RequestLimitExceeded")) return "throttled";
  if (code === "OperationDenied.AccessKeyOverLimit") return "overLimit";
  if (code === "ResourceNotFound.SecretNotExist" || code === "InvalidParameter.UserNotExist") return "notFound";
  if (code.startsWith("AuthFailure")) return "auth";
  if (code.startsWith("InternalError") || code.startsWith("ServiceUnavailable") || code === "ResourceUnavailable")
    return "transient";
  if (code.startsWith("InvalidParameter") || code.startsWith("MissingParameter") || code.startsWith("UnknownParameter") ||
    code === "InvalidAction" || code === "NoSuchVersion" || code === "RequestSizeLimitExceeded" ||
    code.startsWith("OperationDenied")) return "invalid";
  return "unknown";
}

export function isCamError(error: unknown): error is CamError {
  return error instanceof CamError;
}
