// Turns whatever the AWS SDK throws into a VaultError. The message is built only from the operation, the secret
// name and the error's name/code and HTTP status: SDK and server messages can echo request fields (a
// SecretString, say), so they are never copied, and the SDK error is not attached as a cause.
import { VaultError, type VaultErrorKind } from "./port.js";

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "SlowDown",
]);
const SERVER_SIDE = new Set([
  "InternalServiceError",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EADDRNOTAVAIL",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const TIMEOUT_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException", "AbortError"]);
/** Permanent on purpose: retrying cannot fix credentials, permissions or a disabled/invalid KMS key. */
const PERMANENT = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "CredentialsProviderError",
  "EncryptionFailure",
  "DecryptionFailure",
  "KMSDisabledException",
  "KMSInvalidStateException",
  "KMSNotFoundException",
  "KMSAccessDeniedException",
]);

export interface AwsErrorFacts {
  /** The error's name or code, e.g. "ThrottlingException", "ECONNREFUSED". */
  code: string;
  httpStatus: number | undefined;
}

function field(error: unknown, key: string): unknown {
  return typeof error === "object" && error !== null ? (error as Record<string, unknown>)[key] : undefined;
}

/** The facts a classification may use; nothing else of the error is read. */
export function awsErrorFacts(error: unknown): AwsErrorFacts {
  const code = field(error, "code");
  const name = field(error, "name");
  const metadata = field(error, "$metadata");
  const status = field(metadata, "httpStatusCode");
  const networkCode = typeof code === "string" && NETWORK_CODES.has(code) ? code : undefined;
  return {
    code:
      networkCode ??
      (typeof name === "string" && name !== "Error" ? name : typeof code === "string" ? code : "UnknownError"),
    httpStatus: typeof status === "number" ? status : undefined,
  };
}

/** The SDK's own name for the failure; "UnknownError" when it has none. */
export function awsErrorCode(error: unknown): string {
  return awsErrorFacts(error).code;
}

export function classifyAwsError(facts: AwsErrorFacts): VaultErrorKind {
  const { code, httpStatus } = facts;
  if (PERMANENT.has(code)) return "permanent";
  if (THROTTLING.has(code) || SERVER_SIDE.has(code) || NETWORK_CODES.has(code) || TIMEOUT_NAMES.has(code))
    return "transient";
  if (httpStatus === 429 || (httpStatus !== undefined && httpStatus >= 500)) return "transient";
  // No HTTP status at all: the request never got an answer (a socket-level failure the lists above missed).
  if (httpStatus === undefined) return "transient";
  return "permanent";
}

/** A VaultError for the failure of AWS call `api` made by vault `operation` on `secretName`. */
export function vaultErrorFromAws(operation: string, api: string, secretName: string, error: unknown): VaultError {
  const facts = awsErrorFacts(error);
  const status = facts.httpStatus === undefined ? "no HTTP response" : `HTTP ${facts.httpStatus}`;
  return new VaultError(classifyAwsError(facts), operation, secretName, `${api}: ${facts.code} (${status})`);
}
