// Injected AWS failures: moto stopped mid-rotation, a server that never answers, and servers that fail while
// echoing the request (a SecretString) back. Each failure must be a typed VaultError with no secret in it, and
// nothing the adapter writes to the console or the output streams may hold a secret either.
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startMotoServer, type LocalService } from "../support/services.js";
import { createAwsSecretsManagerVault } from "../../src/vault/aws-secrets-manager.js";
import type { SecretPayload, Vault } from "../../src/vault/port.js";
import { rotationToken } from "../../src/vault/tokens.js";
import { expectFailuresWithoutSecrets, makePayload } from "./helpers.js";
import { TEST_CREDENTIALS, TEST_REGION, uniqueTemplate } from "./moto.js";

const ref = { account: "main", uin: 100_000_000_011 };
const token = (attempt: string) => rotationToken(ref.account, ref.uin, `${attempt}-${randomUUID()}`);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function vaultAt(endpoint: string, extra: { maxAttempts?: number; requestTimeoutMs?: number } = {}): Vault {
  const vault = createAwsSecretsManagerVault({
    region: TEST_REGION,
    endpoint,
    credentials: TEST_CREDENTIALS,
    nameTemplate: uniqueTemplate(),
    ...extra,
  });
  cleanups.push(() => vault.close());
  return vault;
}

describe("aws-secrets-manager faults", () => {
  it("moto stopped mid-rotation: every operation fails as transient, naming the call, never the secret", async () => {
    let moto: LocalService | undefined = await startMotoServer();
    cleanups.push(async () => {
      await moto?.stop();
    });
    const vault = vaultAt(moto.url, { maxAttempts: 2 });
    const [v1, v2, v3] = [makePayload(ref), makePayload(ref), makePayload(ref)];
    const [t1, t2, t3] = [token("m1"), token("m2"), token("m3")];
    await vault.stagePending(ref, t1, v1);
    await vault.promote(ref, t1);
    await vault.stagePending(ref, t2, v2);

    await moto.stop();
    moto = undefined;
    const started = Date.now();
    const messages = await expectFailuresWithoutSecrets(
      [
        ["stagePending", () => vault.stagePending(ref, t3, v3)],
        ["readCurrent", () => vault.readCurrent(ref)],
        ["readVersion", () => vault.readVersion(ref, t2)],
        ["describe", () => vault.describe(ref)],
        ["promote", () => vault.promote(ref, t2)],
        ["discardPending", () => vault.discardPending(ref, t2)],
      ],
      "transient",
      [v1.SecretKey, v2.SecretKey, v3.SecretKey]
    );
    expect(messages[0]).toMatch(
      /^vault stagePending t-[0-9a-f-]+\/main\/100000000011 failed \(transient\): DescribeSecret: ECONNREFUSED \(no HTTP response\)$/
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a server that accepts and never answers: transient after the request timeout", async () => {
    const sockets: Socket[] = [];
    const server = createTcpServer((socket) => {
      sockets.push(socket);
    });
    const port = await listen(server);
    cleanups.push(
      () =>
        new Promise((resolve) => {
          sockets.forEach((socket) => socket.destroy());
          server.close(() => resolve());
        })
    );
    const vault = vaultAt(`http://127.0.0.1:${port}`, { maxAttempts: 1, requestTimeoutMs: 300 });
    const value = makePayload(ref);
    const started = Date.now();
    const [message] = await expectFailuresWithoutSecrets(
      [["stagePending", () => vault.stagePending(ref, token("hang"), value)]],
      "transient",
      [value.SecretKey]
    );
    expect(message).toMatch(/DescribeSecret: (ETIMEDOUT|TimeoutError) \(no HTTP response\)/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each([
    [503, "transient"],
    [400, "permanent"],
  ] as const)(
    "PutSecretValue answered %i with the request echoed back: %s, and the echo goes nowhere",
    async (status, kind) => {
      const value = makePayload(ref);
      const endpoint = await echoingSecretsManager(status, value, cleanups);
      const vault = vaultAt(endpoint, { maxAttempts: 1 });
      const [message] = await expectFailuresWithoutSecrets(
        [["stagePending", () => vault.stagePending(ref, token("echo"), value)]],
        kind,
        [value.SecretKey]
      );
      expect(message).toContain(
        `PutSecretValue: ${status === 503 ? "ServiceUnavailable" : "InvalidParameterException"} (HTTP ${status})`
      );
    }
  );
});

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    })
  );
}

/**
 * A Secrets Manager stand-in: the secret exists and is ours with no versions but a placeholder, and PutSecretValue
 * fails with `status`, its error message echoing the whole request body, secret included.
 */
async function echoingSecretsManager(
  status: number,
  value: SecretPayload,
  cleanups: (() => Promise<void>)[]
): Promise<string> {
  const server = createHttpServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const target = String(request.headers["x-amz-target"]).replace("secretsmanager.", "");
      const name = (JSON.parse(body) as { SecretId: string }).SecretId;
      const reply = (code: number, json: unknown) => {
        response.writeHead(code, { "content-type": "application/x-amz-json-1.1" });
        response.end(JSON.stringify(json));
      };
      if (target === "DescribeSecret") {
        return reply(200, {
          Name: name,
          Tags: [
            { Key: "managed-by", Value: "cam-rotator" },
            { Key: "cam-account", Value: value.Account },
            { Key: "cam-uin", Value: String(value.Uin) },
          ],
          VersionIdsToStages: { "00000000-0000-4000-8000-000000000000": ["AWSCURRENT"] },
        });
      }
      if (target === "GetSecretValue")
        return reply(400, { __type: "ResourceNotFoundException", message: `not found: ${body}` });
      const type = status >= 500 ? "ServiceUnavailable" : "InvalidParameterException";
      return reply(status, { __type: type, message: `rejected request ${body}` });
    });
  });
  const port = await listen(server);
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${port}`;
}
