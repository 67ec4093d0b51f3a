// TC3-HMAC-SHA256, the Tencent Cloud API v3 signature, written from the published algorithm with node:crypto.
// Pure functions: parsing the Authorization header, building the canonical request, signing, comparing.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const TC3_ALGORITHM = "TC3-HMAC-SHA256";

export interface Tc3Authorization {
  secretId: string;
  /** The credential scope's date, "YYYY-MM-DD" (UTC). */
  date: string;
  /** The credential scope's service, e.g. "cam"; the SDK puts the endpoint's first label here. */
  service: string;
  /** Lower-cased header names, in the order the signer listed them. */
  signedHeaders: string[];
  signature: string;
}

export interface CanonicalInput {
  method: string;
  /** URL path, "/" for API 3.0 POSTs. */
  path: string;
  /** Query string without "?"; empty for POST. */
  query: string;
  /** Header values by lower-cased name. */
  headers: Readonly<Record<string, string | undefined>>;
  signedHeaders: readonly string[];
  body: Buffer | string;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** Parses `TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=a;b, Signature=HEX`. */
export function parseAuthorization(value: string | undefined): Tc3Authorization | undefined {
  if (value === undefined || !value.startsWith(`${TC3_ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.slice(TC3_ALGORITHM.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return undefined;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const scope = (fields.get("Credential") ?? "").split("/");
  const signedHeaders = (fields.get("SignedHeaders") ?? "").split(";");
  const signature = fields.get("Signature") ?? "";
  if (scope.length !== 4) return undefined;
  const [secretId, date, service, terminator] = scope as [string, string, string, string];
  const wellFormed =
    secretId !== "" &&
    /^\d{4}-\d{2}-\d{2}$/.test(date) &&
    /^[a-z0-9-]+$/.test(service) &&
    terminator === "tc3_request" &&
    signedHeaders.every((name) => /^[a-z0-9-]+$/.test(name)) &&
    signedHeaders.includes("content-type") &&
    signedHeaders.includes("host") &&
    /^[0-9a-f]{64}$/.test(signature);
  return wellFormed ? { secretId, date, service, signedHeaders, signature } : undefined;
}

/**
 * The canonical request over exactly the signed headers, values trimmed and lower-cased as Tencent's docs say.
 * Undefined when a signed header is absent from the request.
 */
export function canonicalRequest(input: CanonicalInput): string | undefined {
  let headerLines = "";
  for (const name of input.signedHeaders) {
    const value = input.headers[name];
    if (value === undefined) return undefined;
    headerLines += `${name}:${value.trim().toLowerCase()}\n`;
  }
  return [
    input.method.toUpperCase(),
    input.path,
    input.query,
    headerLines,
    input.signedHeaders.join(";"),
    sha256Hex(input.body),
  ].join("\n");
}

export function stringToSign(timestamp: number, date: string, service: string, canonicalRequestHash: string): string {
  return [TC3_ALGORITHM, String(timestamp), `${date}/${service}/tc3_request`, canonicalRequestHash].join("\n");
}

export function tc3Signature(secretKey: string, date: string, service: string, toSign: string): string {
  const kDate = hmac(`TC3${secretKey}`, date);
  const kService = hmac(kDate, service);
  const kSigning = hmac(kService, "tc3_request");
  return createHmac("sha256", kSigning).update(toSign).digest("hex");
}

/** True when `auth.signature` is the signature of `input` under `secretKey` at `timestamp`. */
export function signatureMatches(
  input: CanonicalInput,
  auth: Tc3Authorization,
  secretKey: string,
  timestamp: number
): boolean {
  const canonical = canonicalRequest(input);
  if (canonical === undefined) return false;
  const expected = tc3Signature(
    secretKey,
    auth.date,
    auth.service,
    stringToSign(timestamp, auth.date, auth.service, sha256Hex(canonical))
  );
  return timingSafeEqual(Buffer.from(expected, "hex"), Buffer.from(auth.signature, "hex"));
}
