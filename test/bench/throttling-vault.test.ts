// The benchmark's throttling proxy in front of the test run's moto: AWS's quotas as strict rolling seconds per
// pool, answered the way the AWS SDK parses a throttle. The proxy's clock is held still, so "in one second"
// does not depend on how fast this host sends.
import { randomUUID } from "node:crypto";
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startThrottlingVault, type ThrottlingVault } from "../../bench/throttling-vault.js";
import { classifyAwsError, awsErrorFacts } from "../../src/vault/aws-errors.js";
import { TEST_CREDENTIALS, TEST_REGION } from "../vault/moto.js";

// The SDK warns about Node 20 on every client; the lock file pins its version (as src/vault/aws-secrets-manager.ts says).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

let now = 1_000_000;
let proxy: ThrottlingVault;
let client: SecretsManagerClient;
beforeAll(async () => {
  proxy = await startThrottlingVault({
    targetPort: Number(new URL(inject("motoUrl")).port),
    limits: { writes: 50, tags: 50 },
    clock: () => now,
  });
  // One attempt per call: the SDK's own retries would hide what the proxy answered.
  client = new SecretsManagerClient({
    endpoint: proxy.url,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await proxy.close();
});

/** Makes `count` calls at once; resolves to the error name of each ("OK" for an answer moto gave). */
async function send(count: number, call: () => Promise<unknown>): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      try {
        await call();
        return "OK";
      } catch (error) {
        return (error as Error).name;
      }
    })
  );
}

const missing = () => `throttle-${randomUUID()}`;
const put = () => client.send(new PutSecretValueCommand({ SecretId: missing(), SecretString: "{}" }));
const countOf = (names: string[], name: string) => names.filter((each) => each === name).length;

describe("throttling vault proxy", () => {
  it("lets 50 writes through in a second and throttles the 51st; the next second has room again", async () => {
    proxy.reset();
    now += 10_000;
    // moto answers each (the secrets do not exist): what matters is that the proxy let it through.
    const first = await send(50, put);
    expect(countOf(first, "ThrottlingException")).toBe(0);
    expect(proxy.passed.writes).toHaveLength(50);
    // The pool is shared: a label move is a write too.
    const stage = () =>
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: missing(),
          VersionStage: "AWSCURRENT",
          MoveToVersionId: randomUUID(),
        })
      );
    expect(await send(1, stage)).toEqual(["ThrottlingException"]);
    expect(proxy.throttled.writes).toBe(1);
    now += 999;
    expect(await send(1, put)).toEqual(["ThrottlingException"]);
    now += 1;
    expect(countOf(await send(50, put), "ThrottlingException")).toBe(0);
    expect(proxy.throttled.writes).toBe(2);
  });

  it("answers as AWS does: HTTP 400, ThrottlingException, which the adapter classifies as transient", async () => {
    proxy.reset();
    now += 10_000;
    await send(50, put);
    const error = await put().catch((caught: unknown) => caught);
    const facts = awsErrorFacts(error);
    expect(facts).toEqual({ code: "ThrottlingException", httpStatus: 400 });
    expect(classifyAwsError(facts)).toBe("transient");
  });

  it("counts tags in a pool of their own, and never throttles reads", async () => {
    proxy.reset();
    now += 10_000;
    expect(countOf(await send(50, put), "ThrottlingException")).toBe(0);
    const tag = () => client.send(new TagResourceCommand({ SecretId: missing(), Tags: [{ Key: "k", Value: "v" }] }));
    expect(countOf(await send(50, tag), "ThrottlingException")).toBe(0);
    expect(await send(1, tag)).toEqual(["ThrottlingException"]);
    const reads = [
      ...(await send(60, () => client.send(new GetSecretValueCommand({ SecretId: missing() })))),
      ...(await send(60, () => client.send(new DescribeSecretCommand({ SecretId: missing() })))),
    ];
    expect(countOf(reads, "ThrottlingException")).toBe(0);
    expect(countOf(reads, "ResourceNotFoundException")).toBe(120);
    expect(proxy.throttled).toEqual({ writes: 0, tags: 1 });
  });
});
