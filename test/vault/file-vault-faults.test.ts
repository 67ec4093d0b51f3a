// Injected file-vault failures: a directory the process cannot write, a path that is a directory, a wrong key, a
// damaged file. Each must be a clear, permanent VaultError that holds no secret, with nothing secret written to
// the console or output streams, and the vault file left byte-for-byte as it was.
//
// Tests run as root, which chmod cannot stop. An unwritable directory is therefore taken from sysfs: /sys refuses
// the creation of regular files to every user, root included (EACCES, or EROFS where /sys is mounted read-only),
// on any Linux host or container, without needing mount or chattr privileges.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileVault } from "../../src/vault/file-vault.js";
import type { SecretPayload, SecretRef, Vault } from "../../src/vault/port.js";
import { rotationToken } from "../../src/vault/tokens.js";
import { expectFailuresWithoutSecrets, expectNoSecret, expectVaultError, makePayload, sha256 } from "./helpers.js";

const ref: SecretRef = { account: "main", uin: 100_000_000_011 };
const token = (attempt: string) => rotationToken(ref.account, ref.uin, `${attempt}-${randomUUID()}`);
let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cam-rotator-vault-faults-"));
  path = join(dir, "vault.json");
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Every port operation (or those listed) on `vault` fails as permanent, secret-free; returns the messages. */
function everyOperationFails(
  vault: Vault,
  secrets: string[],
  newValue: SecretPayload,
  versionId: string,
  operations: readonly Operation[] = ALL_OPERATIONS
): Promise<string[]> {
  const calls: Record<Operation, () => Promise<unknown>> = {
    stagePending: () => vault.stagePending(ref, token("new"), newValue),
    promote: () => vault.promote(ref, versionId),
    discardPending: () => vault.discardPending(ref, versionId),
    readCurrent: () => vault.readCurrent(ref),
    readVersion: () => vault.readVersion(ref, versionId),
    describe: () => vault.describe(ref),
  };
  return expectFailuresWithoutSecrets(
    operations.map((operation) => [operation, calls[operation]]),
    "permanent",
    secrets
  );
}

type Operation = "stagePending" | "promote" | "discardPending" | "readCurrent" | "readVersion" | "describe";
const ALL_OPERATIONS: readonly Operation[] = [
  "stagePending",
  "promote",
  "discardPending",
  "readCurrent",
  "readVersion",
  "describe",
];

/** A vault file holding a current and a pending version; returns their payloads and the pending version id. */
async function populated(key: Buffer): Promise<{ values: SecretPayload[]; pendingId: string }> {
  const vault = createFileVault({ path, key });
  const [v1, v2] = [makePayload(ref), makePayload(ref)];
  const [t1, t2] = [token("f1"), token("f2")];
  await vault.stagePending(ref, t1, v1);
  await vault.promote(ref, t1);
  await vault.stagePending(ref, t2, v2);
  return { values: [v1, v2], pendingId: t2 };
}

describe("file vault faults", () => {
  it("a directory no one may write (/sys): writes fail as permanent EACCES/EROFS, reads see no secret", async () => {
    const vault = createFileVault({ path: `/sys/cam-rotator-test-${randomUUID()}.json`, key: randomBytes(32) });
    const value = makePayload(ref);
    const [message] = await everyOperationFails(vault, [value.SecretKey], value, token("x"), ["stagePending"]);
    expect(message).toMatch(
      /failed \(permanent\): vault file \/sys\/cam-rotator-test-.*\.json: (EACCES \(permission denied\)|EROFS \(read-only file system\))$/
    );
    expect(await vault.describe(ref)).toEqual({ exists: false });
  });

  it("a vault path that is a directory: every operation fails as permanent EISDIR", async () => {
    await mkdir(path);
    const value = makePayload(ref);
    const messages = await everyOperationFails(
      createFileVault({ path, key: randomBytes(32) }),
      [value.SecretKey],
      value,
      token("x")
    );
    for (const message of messages) expect(message).toContain("EISDIR (is a directory)");
    expect(await readdir(path)).toEqual([]);
  });

  it("a wrong key: every operation fails as permanent, and the file is untouched", async () => {
    const { values, pendingId } = await populated(randomBytes(32));
    const before = await sha256(path);
    const newValue = makePayload(ref);
    const messages = await everyOperationFails(
      createFileVault({ path, key: randomBytes(32) }),
      [...values.map((value) => value.SecretKey), newValue.SecretKey],
      newValue,
      pendingId
    );
    for (const message of messages)
      expect(message).toContain(`the key from the key option does not open vault file ${path}`);
    expect(await sha256(path)).toBe(before);
  });

  it.each([
    ["garbage bytes", (_text: string) => randomBytes(300).toString("latin1"), "not JSON"],
    ["a truncated file", (text: string) => text.slice(0, Math.floor(text.length / 2)), "not JSON"],
    [
      "JSON that is not a vault",
      (_text: string) => JSON.stringify({ hello: "world" }),
      "not a cam-rotator vault: format: invalid_value",
    ],
    [
      "a label on two versions",
      (text: string) => text.replace(/"stages": \[\s*"AWSPENDING"\s*\]/, '"stages": ["AWSCURRENT"]'),
      "AWSCURRENT on several versions",
    ],
  ])(
    "a damaged file (%s): every operation fails as permanent, and the file is untouched",
    async (_label, damage, expected) => {
      const key = randomBytes(32);
      const { values, pendingId } = await populated(key);
      await writeFile(path, damage(await readFile(path, "utf8")), "latin1");
      const before = await sha256(path);
      const newValue = makePayload(ref);
      const messages = await everyOperationFails(
        createFileVault({ path, key }),
        [...values.map((value) => value.SecretKey), newValue.SecretKey],
        newValue,
        pendingId
      );
      for (const message of messages) {
        expect(message).toContain(`vault file ${path} is corrupted`);
        expect(message).toContain(expected);
      }
      expect(await sha256(path)).toBe(before);
    }
  );

  it("a damaged ciphertext: reading that version fails as permanent, and restaging it cannot overwrite it", async () => {
    const key = randomBytes(32);
    const { values, pendingId } = await populated(key);
    const stored = JSON.parse(await readFile(path, "utf8")) as {
      secrets: Record<string, { versions: { sealed: { data: string } }[] }>;
    };
    const version = Object.values(stored.secrets)[0]!.versions[1]!;
    const data = Buffer.from(version.sealed.data, "base64");
    data[0] = (data[0] ?? 0) ^ 0xff;
    version.sealed.data = data.toString("base64");
    await writeFile(path, JSON.stringify(stored));
    const before = await sha256(path);
    const vault = createFileVault({ path, key });
    const secrets = values.map((value) => value.SecretKey);
    const [readError] = await everyOperationFails(vault, secrets, values[1]!, pendingId, ["readVersion"]);
    expect(readError).toContain(`version ${pendingId} in vault file ${path} does not decrypt`);
    const restage = await expectVaultError(vault.stagePending(ref, pendingId, values[1]!), "permanent");
    expectNoSecret(restage, secrets);
    expect(await sha256(path)).toBe(before);
    expect((await vault.readCurrent(ref))?.value).toEqual(values[0]); // the undamaged version still reads
  });
});
