// The TC3-HMAC-SHA256 verifier against Tencent's three published vectors, and the authentication rules around
// it: exactly the SignedHeaders, the SDK's host-port quirk, clock skew, unknown and Inactive keys.
import { describe, expect, it } from "vitest";
import { SimApiError } from "../../src/cam/simulator/api-error.js";
import { authenticate, type SignedHttpRequest } from "../../src/cam/simulator/authenticate.js";
import {
  canonicalRequest,
  parseAuthorization,
  sha256Hex,
  signatureMatches,
  stringToSign,
  tc3Signature,
  type CanonicalInput,
} from "../../src/cam/simulator/signature.js";
import type { KeyRecord } from "../../src/cam/simulator/state.js";

const BODY = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}';
const TIMESTAMP = 1551113065;
const DATE = "2019-02-25";
const HEADERS = {
  "content-type": "application/json; charset=utf-8",
  host: "cvm.tencentcloudapi.com",
  "x-tc-action": "DescribeInstances",
};

const vectors = [
  {
    name: "A",
    secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    signedHeaders: ["content-type", "host"],
    canonicalHash: "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031",
    signature: "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
  },
  {
    name: "B",
    secretKey: "Gu5t9xGARNpq86cd98joQYCN3*******",
    signedHeaders: ["content-type", "host"],
    canonicalHash: "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031",
    signature: "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c",
  },
  {
    name: "C",
    secretKey: "Gu5t9xGARNpq86cd98joQYCN3*******",
    signedHeaders: ["content-type", "host", "x-tc-action"],
    canonicalHash: "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84",
    signature: "be4f67d323c78ab9acb7395e43c0dbcf822a9cfac32fea2449a7bc7726b770a3",
  },
];

const input = (signedHeaders: string[], headers: Record<string, string> = HEADERS): CanonicalInput => ({
  method: "POST",
  path: "/",
  query: "",
  headers,
  signedHeaders,
  body: BODY,
});

describe("TC3-HMAC-SHA256 published vectors", () => {
  it("hashes the vectors' payload to the published value", () => {
    expect(sha256Hex(BODY)).toBe("35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064");
  });

  for (const vector of vectors) {
    it(`vector ${vector.name}: canonical request hash and signature match exactly`, () => {
      const canonical = canonicalRequest(input(vector.signedHeaders))!;
      expect(sha256Hex(canonical)).toBe(vector.canonicalHash);
      const signature = tc3Signature(
        vector.secretKey,
        DATE,
        "cvm",
        stringToSign(TIMESTAMP, DATE, "cvm", sha256Hex(canonical))
      );
      expect(signature).toBe(vector.signature);
      const auth = parseAuthorization(
        `TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/${DATE}/cvm/tc3_request, ` +
          `SignedHeaders=${vector.signedHeaders.join(";")}, Signature=${vector.signature}`
      )!;
      expect(signatureMatches(input(vector.signedHeaders), auth, vector.secretKey, TIMESTAMP)).toBe(true);
      expect(signatureMatches(input(vector.signedHeaders), auth, `${vector.secretKey}x`, TIMESTAMP)).toBe(false);
      expect(signatureMatches(input(vector.signedHeaders), auth, vector.secretKey, TIMESTAMP + 1)).toBe(false);
    });
  }

  it("checks exactly the signed headers: an unsigned header may change, a signed one may not", () => {
    const [a, , c] = vectors;
    const authA = parseAuthorization(
      `TC3-HMAC-SHA256 Credential=ID/${DATE}/cvm/tc3_request, SignedHeaders=content-type;host, Signature=${a!.signature}`
    )!;
    const authC = parseAuthorization(
      `TC3-HMAC-SHA256 Credential=ID/${DATE}/cvm/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature=${c!.signature}`
    )!;
    const otherAction = { ...HEADERS, "x-tc-action": "RunInstances" };
    expect(signatureMatches(input(a!.signedHeaders, otherAction), authA, a!.secretKey, TIMESTAMP)).toBe(true);
    expect(signatureMatches(input(c!.signedHeaders, otherAction), authC, c!.secretKey, TIMESTAMP)).toBe(false);
    // The content-type value is part of what is signed: "application/json" is not "application/json; charset=utf-8".
    expect(
      signatureMatches(
        input(a!.signedHeaders, { ...HEADERS, "content-type": "application/json" }),
        authA,
        a!.secretKey,
        TIMESTAMP
      )
    ).toBe(false);
  });
});

describe("parseAuthorization", () => {
  const good = `TC3-HMAC-SHA256 Credential=AKID1/${DATE}/cam/tc3_request, SignedHeaders=content-type;host, Signature=${"a".repeat(64)}`;
  it("reads the credential scope and signed headers", () => {
    expect(parseAuthorization(good)).toEqual({
      secretId: "AKID1",
      date: DATE,
      service: "cam",
      signedHeaders: ["content-type", "host"],
      signature: "a".repeat(64),
    });
  });
  it.each([
    ["no header", undefined],
    ["another algorithm", good.replace("TC3-HMAC-SHA256", "HMAC-SHA1")],
    ["a short scope", good.replace(`/${DATE}/cam/tc3_request`, "/cam/tc3_request")],
    ["a wrong terminator", good.replace("tc3_request", "tc4_request")],
    ["host not signed", good.replace("content-type;host", "content-type")],
    ["a short signature", good.replace("a".repeat(64), "abc")],
    ["SKIP, as the SDK's skipSign sends", "SKIP"],
  ])("rejects %s", (_name, header) => {
    expect(parseAuthorization(header)).toBeUndefined();
  });
});

describe("authenticate", () => {
  const secretKey = "s".repeat(40);
  const key: KeyRecord = {
    accessKeyId: "AKIDtest",
    secretAccessKey: secretKey,
    ownerUin: 1,
    uin: 1,
    status: "Active",
    createTime: "2026-01-01 00:00:00",
    lastUsedAt: null,
  };
  const now = 1_770_000_000;

  /** Signs like the official SDK: host without the port, while the Host header carries it. */
  function sdkLikeRequest(
    options: { timestamp?: number; service?: string; signingKey?: string } = {}
  ): SignedHttpRequest {
    const timestamp = options.timestamp ?? now;
    const service = options.service ?? "cam";
    const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
    const body = Buffer.from('{"TargetUin":1}');
    const signedInput: CanonicalInput = {
      method: "POST",
      path: "/",
      query: "",
      body,
      signedHeaders: ["content-type", "host"],
      headers: { "content-type": "application/json", host: "127.0.0.1" },
    };
    const signature = tc3Signature(
      options.signingKey ?? secretKey,
      date,
      service,
      stringToSign(timestamp, date, service, sha256Hex(canonicalRequest(signedInput)!))
    );
    return {
      method: "POST",
      path: "/",
      query: "",
      body,
      headers: {
        "content-type": "application/json",
        host: "127.0.0.1:9999",
        "x-tc-timestamp": String(timestamp),
        authorization: `TC3-HMAC-SHA256 Credential=${key.accessKeyId}/${date}/${service}/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`,
      },
    };
  }
  const rules = (extra: Partial<Parameters<typeof authenticate>[1]> = {}) => ({
    nowSec: now,
    findKey: (id: string) => (id === key.accessKeyId ? key : undefined),
    ...extra,
  });
  const codeOf = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      if (error instanceof SimApiError) return error.code;
      throw error;
    }
    return "OK";
  };

  it("accepts the SDK's signature over the port-less host although the Host header has the port", () => {
    expect(authenticate(sdkLikeRequest(), rules())).toBe(key);
  });
  it("accepts the scope's stated service unless one is required", () => {
    expect(codeOf(() => authenticate(sdkLikeRequest({ service: "127" }), rules()))).toBe("OK");
    expect(codeOf(() => authenticate(sdkLikeRequest({ service: "127" }), rules({ requireService: "cam" })))).toBe(
      "AuthFailure.SignatureFailure"
    );
  });
  it("answers SignatureFailure for a wrong secret", () => {
    expect(codeOf(() => authenticate(sdkLikeRequest({ signingKey: "x".repeat(40) }), rules()))).toBe(
      "AuthFailure.SignatureFailure"
    );
  });
  it("answers SignatureExpire beyond 300 s of skew either way, and accepts 300 s", () => {
    expect(codeOf(() => authenticate(sdkLikeRequest({ timestamp: now - 301 }), rules()))).toBe(
      "AuthFailure.SignatureExpire"
    );
    expect(codeOf(() => authenticate(sdkLikeRequest({ timestamp: now + 301 }), rules()))).toBe(
      "AuthFailure.SignatureExpire"
    );
    expect(codeOf(() => authenticate(sdkLikeRequest({ timestamp: now - 300 }), rules()))).toBe("OK");
  });
  it("answers SecretIdNotFound for an unknown or Inactive key", () => {
    expect(codeOf(() => authenticate(sdkLikeRequest(), rules({ findKey: () => undefined })))).toBe(
      "AuthFailure.SecretIdNotFound"
    );
    expect(
      codeOf(() => authenticate(sdkLikeRequest(), rules({ findKey: () => ({ ...key, status: "Inactive" }) })))
    ).toBe("AuthFailure.SecretIdNotFound");
  });
  it("answers InvalidAuthorization for a malformed header", () => {
    const request = sdkLikeRequest();
    request.headers.authorization = "TC3-HMAC-SHA256 Credential=nonsense";
    expect(codeOf(() => authenticate(request, rules()))).toBe("AuthFailure.InvalidAuthorization");
  });
});
