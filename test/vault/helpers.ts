// Shared by the vault tests: payloads with unique secrets, and the check that a secret appears nowhere it must not.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { inspect } from "node:util";
import { expect } from "vitest";
import type { SecretPayload, SecretRef } from "../../src/vault/port.js";
import { isVaultError, type VaultError, type VaultErrorKind } from "../../src/vault/port.js";

let serial = 0;

/** A payload for `ref` with a fresh, recognisable SecretKey (so a leak is unambiguous). */
export function makePayload(ref: SecretRef): SecretPayload {
  serial += 1;
  return {
    SecretId: `AKID${randomBytes(8).toString("hex").toUpperCase()}${serial}`,
    SecretKey: `sk-${randomUUID()}-${randomBytes(6).toString("base64url")}`,
    Uin: ref.uin,
    Account: ref.account,
    CreateTime: "2026-11-28 10:00:00",
    RotatedAt: "2026-11-28T02:00:00.000Z",
  };
}

/** The same payload with its fields in another order: equal content, different object layout. */
export function reordered(value: SecretPayload): SecretPayload {
  const { RotatedAt, CreateTime, Account, Uin, SecretKey, SecretId } = value;
  return { RotatedAt, CreateTime, Account, Uin, SecretKey, SecretId };
}

/** Runs `call`, expects a VaultError of `kind`, and returns it. */
export async function expectVaultError(call: Promise<unknown>, kind: VaultErrorKind): Promise<VaultError> {
  const error = await call.then(
    () => undefined,
    (failure: unknown) => failure
  );
  expect(isVaultError(error), `expected a VaultError, got ${inspect(error)}`).toBe(true);
  const vaultError = error as VaultError;
  expect(vaultError.kind, vaultError.message).toBe(kind);
  return vaultError;
}

/** Every way an error is commonly rendered (message, stack, JSON, inspect) is free of each secret. */
export function expectNoSecret(error: unknown, secrets: string[]): void {
  const renderings = [
    String(error),
    (error as Error).message,
    (error as Error).stack ?? "",
    JSON.stringify(error),
    inspect(error, { depth: 8, showHidden: true }),
  ];
  for (const secret of secrets) for (const text of renderings) expect(text).not.toContain(secret);
}

/** Records everything written to stdout/stderr and the console until `stop()`; returns it as one string. */
export function captureOutput(): { stop(): string } {
  const chunks: string[] = [];
  const record = (chunk: unknown) =>
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString());
  const originals = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = (chunk: unknown, ...rest: unknown[]) => {
    record(chunk);
    return originals.out.call(process.stdout, chunk as string, ...(rest as []));
  };
  process.stderr.write = (chunk: unknown, ...rest: unknown[]) => {
    record(chunk);
    return originals.err.call(process.stderr, chunk as string, ...(rest as []));
  };
  const methods = ["log", "info", "warn", "error", "debug"] as const;
  const consoleOriginals = methods.map((method) => console[method]);
  methods.forEach((method, index) => {
    console[method] = (...args: unknown[]) => {
      chunks.push(args.map((arg) => inspect(arg)).join(" "));
      consoleOriginals[index]!(...args);
    };
  });
  return {
    stop() {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
      methods.forEach((method, index) => {
        console[method] = consoleOriginals[index]!;
      });
      return chunks.join("");
    },
  };
}

export async function sha256(path: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}

/**
 * Runs each named call, expecting a VaultError of `kind` for that operation with none of `secrets` in it, and none
 * of them in anything written to the console or output streams meanwhile. Returns the messages.
 */
export async function expectFailuresWithoutSecrets(
  calls: [operation: string, call: () => Promise<unknown>][],
  kind: VaultErrorKind,
  secrets: string[]
): Promise<string[]> {
  const output = captureOutput();
  const messages: string[] = [];
  try {
    for (const [operation, call] of calls) {
      const error = await expectVaultError(call(), kind);
      expect(error.operation).toBe(operation);
      expectNoSecret(error, secrets);
      messages.push(error.message);
    }
  } finally {
    const written = output.stop();
    for (const secret of secrets) expect(written).not.toContain(secret);
  }
  return messages;
}
