// Classification of AWS SDK failures into transient / permanent, from the SDK's own exception classes and the
// errors Node's HTTP stack throws. Faults like a disabled KMS key or a denied role cannot be produced by moto.
import {
  DecryptionFailure,
  EncryptionFailure,
  InternalServiceError,
  InvalidParameterException,
  ResourceNotFoundException,
  SecretsManagerServiceException,
} from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { awsErrorFacts, classifyAwsError, vaultErrorFromAws } from "../../src/vault/aws-errors.js";
import { expectNoSecret } from "./helpers.js";

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
const service = (name: string, status: number, fault: "client" | "server" = "client") =>
  new SecretsManagerServiceException({ name, $fault: fault, message: `${name} happened`, ...metadata(status) });
const network = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });

describe("classifyAwsError", () => {
  const cases: [string, unknown, "transient" | "permanent"][] = [
    ["throttling", service("ThrottlingException", 400), "transient"],
    ["too many requests", service("TooManyRequestsException", 429), "transient"],
    ["internal service error", new InternalServiceError({ message: "boom", ...metadata(500) }), "transient"],
    ["any 5xx, even unparseable", Object.assign(new SyntaxError("Unexpected token <"), metadata(502)), "transient"],
    ["connection refused", network("ECONNREFUSED"), "transient"],
    ["connection reset", network("ECONNRESET"), "transient"],
    ["DNS failure", network("EAI_AGAIN"), "transient"],
    ["SDK request timeout", Object.assign(new Error("Request timed out"), { name: "TimeoutError" }), "transient"],
    ["access denied", service("AccessDeniedException", 400), "permanent"],
    ["bad credentials", service("UnrecognizedClientException", 400), "permanent"],
    [
      "no credentials in the chain",
      Object.assign(new Error("Could not load credentials"), { name: "CredentialsProviderError" }),
      "permanent",
    ],
    [
      "KMS key disabled on write",
      new EncryptionFailure({ message: "KMS key is disabled", ...metadata(400) }),
      "permanent",
    ],
    [
      "KMS key invalid state on read",
      new DecryptionFailure({ message: "KMS key is in an invalid state", ...metadata(400) }),
      "permanent",
    ],
    ["invalid parameter", new InvalidParameterException({ message: "bad", ...metadata(400) }), "permanent"],
    ["an unknown 4xx", service("SomethingNewException", 400), "permanent"],
  ];
  it.each(cases)("%s", (_label, error, kind) => {
    expect(classifyAwsError(awsErrorFacts(error))).toBe(kind);
  });
});

describe("vaultErrorFromAws", () => {
  it("names operation, AWS call, secret, error code and status, and nothing from the SDK's message", () => {
    const secret = "sk-this-must-not-leak";
    const echoed = new ResourceNotFoundException({
      message: `no such thing: {"SecretString":"${secret}"}`,
      ...metadata(400),
    });
    const error = vaultErrorFromAws("stagePending", "PutSecretValue", "tencentcloud/cam/main/1", echoed);
    expect(error.message).toBe(
      "vault stagePending tencentcloud/cam/main/1 failed (permanent): PutSecretValue: ResourceNotFoundException (HTTP 400)"
    );
    expect(error.cause).toBeUndefined();
    expectNoSecret(error, [secret]);
  });
});
