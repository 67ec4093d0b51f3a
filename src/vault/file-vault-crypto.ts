// AES-256-GCM for the file vault, and where its key comes from.
//
// Each value gets a random 12-byte IV and a 16-byte tag. The version's clear fields (secret, version id, access key
// id) are bound in as additional authenticated data, so editing a key id in the file makes that version fail to
// decrypt instead of silently pointing describe() at another key.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import { link, open, readFile, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { FileVaultFault } from "./file-vault-fault.js";
import { fsyncDir } from "./file-vault-store.js";

export const KEY_ENV = "CAM_ROTATOR_FILE_VAULT_KEY";
const KEY_BYTES = 32;
const IV_BYTES = 12;

export interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

export interface VaultKey {
  key: Buffer;
  /** Where the key came from, for error messages: "the key option", "CAM_ROTATOR_FILE_VAULT_KEY", "key file X". */
  source: string;
}

export function seal(key: Buffer, plaintext: string, aad: string): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return { iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), data: data.toString("base64") };
}

/** The plaintext, or undefined when the key, the AAD or the bytes are not the ones sealed. */
export function unseal(key: Buffer, sealed: Sealed, aad: string): string | undefined {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}

const KEY_CHECK_TEXT = "cam-rotator file vault key check";
const KEY_CHECK_AAD = "key-check";

/** Sealed once per file, so a wrong key is detected before any write, even in a vault with no secrets yet. */
export function makeKeyCheck(key: Buffer): Sealed {
  return seal(key, KEY_CHECK_TEXT, KEY_CHECK_AAD);
}

export function keyOpens(key: Buffer, keyCheck: Sealed): boolean {
  return unseal(key, keyCheck, KEY_CHECK_AAD) === KEY_CHECK_TEXT;
}

function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, "base64");
  // Buffer.from ignores junk; re-encoding tells real base64 from text that merely decodes to something.
  if (key.length !== KEY_BYTES || key.toString("base64").replace(/=+$/, "") !== trimmed.replace(/=+$/, ""))
    throw new FileVaultFault(
      "permanent",
      `${source} must be base64 of exactly ${KEY_BYTES} bytes (it decodes to ${key.length})`
    );
  return key;
}

export interface KeySourceOptions {
  /** The vault file; its key file is `${path}.key`. */
  path: string;
  key?: Buffer;
  env?: NodeJS.ProcessEnv;
}

/**
 * The key in order of precedence: the `key` option, CAM_ROTATOR_FILE_VAULT_KEY, the key file. The key file is
 * created (mode 0600) only while the vault file does not exist: a vault written under another key would
 * otherwise get a fresh, useless key instead of a clear error.
 */
export async function loadKey(options: KeySourceOptions): Promise<VaultKey> {
  if (options.key !== undefined) {
    if (options.key.length !== KEY_BYTES)
      throw new FileVaultFault("permanent", `the key option must be ${KEY_BYTES} bytes (got ${options.key.length})`);
    return { key: options.key, source: "the key option" };
  }
  const fromEnv = (options.env ?? process.env)[KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return { key: decodeKey(fromEnv, KEY_ENV), source: KEY_ENV };
  const keyPath = `${options.path}.key`;
  const existing = await readKeyFile(keyPath);
  if (existing) return existing;
  if (await exists(options.path))
    throw new FileVaultFault(
      "permanent",
      `vault file ${options.path} exists but its key file ${keyPath} does not; ` +
        `restore the key file or set ${KEY_ENV}`
    );
  return createKeyFile(keyPath);
}

async function readKeyFile(keyPath: string): Promise<VaultKey | undefined> {
  const source = `key file ${keyPath}`;
  let info;
  try {
    info = await stat(keyPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  // Like ssh with private keys: a key others can read is refused rather than trusted.
  if ((info.mode & 0o077) !== 0)
    throw new FileVaultFault("permanent", `${source} has mode ${(info.mode & 0o777).toString(8)}; it must be 600`);
  return { key: decodeKey(await readFile(keyPath, "utf8"), source), source };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** Writes a fresh key to a temp file, then links it into place: a racing process sees the whole key or none. */
async function createKeyFile(keyPath: string): Promise<VaultKey> {
  const temp = `${keyPath}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(temp, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o600);
  try {
    await handle.writeFile(`${randomBytes(KEY_BYTES).toString("base64")}\n`);
    await handle.chmod(0o600);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, keyPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await fsyncDir(dirname(keyPath));
  const key = await readKeyFile(keyPath);
  if (!key) throw new FileVaultFault("transient", `key file ${keyPath} vanished right after it was created`);
  return key;
}
