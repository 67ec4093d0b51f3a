// Decides who signed a request, or which AuthFailure it earns. Order: malformed Authorization, clock skew,
// unknown or Inactive SecretId, then the signature itself.
import type { IncomingHttpHeaders } from "node:http";
import { SimApiError } from "./api-error.js";
import { utcDate } from "./cam-time.js";
import { parseAuthorization, signatureMatches, type CanonicalInput } from "./signature.js";
import type { KeyRecord } from "./state.js";

/** Tencent rejects a request whose X-TC-Timestamp is more than five minutes off the server's clock. */
const MAX_SKEW_SEC = 300;

export interface SignedHttpRequest {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface AuthenticationRules {
  /** The simulator's clock, in epoch seconds, offset included. */
  nowSec: number;
  /** When set, the credential scope must name this service; otherwise any stated service is accepted. */
  requireService?: string;
  findKey(secretId: string): KeyRecord | undefined;
}

export function authenticate(request: SignedHttpRequest, rules: AuthenticationRules): KeyRecord {
  const auth = parseAuthorization(single(request.headers.authorization));
  if (auth === undefined) {
    throw new SimApiError(
      "AuthFailure.InvalidAuthorization",
      "Authorization must read: TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=..., Signature=..."
    );
  }
  const timestampText = single(request.headers["x-tc-timestamp"]);
  if (timestampText === undefined) throw new SimApiError("MissingParameter", "the X-TC-Timestamp header is missing");
  if (!/^\d{1,12}$/.test(timestampText)) {
    throw new SimApiError("InvalidParameter", "X-TC-Timestamp must be integer epoch seconds");
  }
  const timestamp = Number(timestampText);
  if (Math.abs(rules.nowSec - timestamp) > MAX_SKEW_SEC) {
    throw new SimApiError(
      "AuthFailure.SignatureExpire",
      `X-TC-Timestamp ${timestamp} is more than ${MAX_SKEW_SEC} s from server time ${rules.nowSec}`
    );
  }
  const key = rules.findKey(auth.secretId);
  if (key === undefined || key.status !== "Active") {
    throw new SimApiError("AuthFailure.SecretIdNotFound", "the SecretId does not exist, or the key is disabled");
  }
  if (auth.date !== utcDate(timestamp)) {
    throw new SimApiError(
      "AuthFailure.SignatureFailure",
      `credential date ${auth.date} is not the UTC date of X-TC-Timestamp`
    );
  }
  if (rules.requireService !== undefined && auth.service !== rules.requireService) {
    throw new SimApiError(
      "AuthFailure.SignatureFailure",
      `credential scope service is "${auth.service}", expected "${rules.requireService}"`
    );
  }
  if (
    !hostVariants(request, auth.signedHeaders).some((input) =>
      signatureMatches(input, auth, key.secretAccessKey, timestamp)
    )
  ) {
    throw new SimApiError("AuthFailure.SignatureFailure", "the signature does not match the request");
  }
  return key;
}

/**
 * The request as signed. The official SDK signs the host without its port but sends the port in the Host
 * header, so a request whose Host carries a port is also checked with the port stripped.
 */
function hostVariants(request: SignedHttpRequest, signedHeaders: readonly string[]): CanonicalInput[] {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name] = single(value);
  const signed = (withHeaders: Record<string, string | undefined>): CanonicalInput => ({
    method: request.method,
    path: request.path,
    query: request.query,
    headers: withHeaders,
    signedHeaders,
    body: request.body,
  });
  const host = headers.host;
  const portless = host?.replace(/:\d+$/, "");
  return portless === undefined || portless === host
    ? [signed(headers)]
    : [signed(headers), signed({ ...headers, host: portless })];
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(",") : value;
}
