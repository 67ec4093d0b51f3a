// The Vault port over one local file: for the demo and single-host installs without AWS. Each value is sealed
// with AES-256-GCM (file-vault-crypto.ts); labels follow Secrets Manager's rules (file-vault-document.ts); every
// change happens under a cross-process lock (file-vault-lock.ts), re-reads the file under that lock, and
// replaces the file atomically (file-vault-store.ts). Reads take no lock: the file is only ever replaced whole.
import { resolve } from "node:path";
import { KEY_ENV, keyOpens, loadKey, makeKeyCheck, seal, unseal, type VaultKey } from "./file-vault-crypto.js";
import {
  addPending,
  DEFAULT_KEEP_UNLABELLED,
  discardPendingLabel,
  findVersion,
  holder,
  newDocument,
  parseDocument,
  promoteVersion,
  secretKey,
  serializeDocument,
  versionAad,
  type StoredSecret,
  type StoredVersion,
  type VaultDocument,
} from "./file-vault-document.js";
import { faultFromFs, FileVaultFault } from "./file-vault-fault.js";
import { createMetadataLister, indexPlanning } from "./file-vault-index.js";
import { withFileLock } from "./file-vault-lock.js";
import { fileVaultIdentity } from "./identity.js";
import { ensureParentDir, readIfExists, writeFileAtomic } from "./file-vault-store.js";
import { parsePayload, payloadProblem, samePayload, serializePayload } from "./payload.js";
import {
  VaultError,
  type SecretPayload,
  type SecretRef,
  type Vault,
  type VaultStage,
  type VaultVersion,
} from "./port.js";
import { tokenProblem } from "./tokens.js";

export interface FileVaultOptions {
  path: string;
  /** 32 bytes. Else CAM_ROTATOR_FILE_VAULT_KEY (base64), else the key file `${path}.key` (made on first use). */
  key?: Buffer;
  /** Wait at most this long for another process's lock. Default 10000. */
  lockTimeoutMs?: number;
  /** The lock's lease: a holder that stops renewing it (killed, frozen) loses it after this long. Default 15000. */
  lockLeaseMs?: number;
  /** Unlabelled versions kept per secret. Default 10. */
  keepUnlabelled?: number;
}

interface Opened {
  document: VaultDocument;
  key: VaultKey;
}

export function createFileVault(options: FileVaultOptions): Vault {
  const path = resolve(options.path);
  const lockPath = `${path}.lock`;
  const keepUnlabelled = options.keepUnlabelled ?? DEFAULT_KEEP_UNLABELLED;
  const listMetadata = createMetadataLister(path);
  let keyLoad: Promise<VaultKey> | undefined;

  const getKey = (): Promise<VaultKey> => {
    keyLoad ??= loadKey({ path, ...(options.key ? { key: options.key } : {}) });
    return keyLoad.catch((error: unknown) => {
      keyLoad = undefined; // a missing key file may be restored; try again next time
      throw error;
    });
  };

  /** Runs `body`, turning whatever it throws into a VaultError naming the operation, the secret and the file. */
  async function run<T>(operation: string, ref: SecretRef, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof VaultError) throw error;
      const fault = error instanceof FileVaultFault ? error : faultFromFs(`vault file ${path}`, error);
      throw new VaultError(fault.kind, operation, secretKey(ref), fault.message);
    }
  }

  /** The current file and key, or undefined when there is no file yet. */
  async function open(): Promise<Opened | undefined> {
    const raw = await readIfExists(path);
    if (!raw) return undefined;
    const document = parseDocument(raw, path);
    const key = await getKey();
    requireKeyOpens(document, key, path);
    return { document, key };
  }

  /** An empty document for a vault file that does not exist yet (this is when a key file may be created). */
  async function startNew(): Promise<Opened> {
    const key = await getKey();
    return { document: newDocument(makeKeyCheck(key.key)), key };
  }

  /** Re-reads the file under the lock, lets `change` edit it, and writes it back only if `change` says so. */
  async function mutate<T>(change: (opened: Opened) => { changed: boolean; result: T }): Promise<T> {
    await ensureParentDir(path);
    return withFileLock(
      lockPath,
      {
        timeoutMs: options.lockTimeoutMs ?? 10_000,
        ...(options.lockLeaseMs === undefined ? {} : { leaseMs: options.lockLeaseMs }),
      },
      async (lock) => {
        const opened = (await open()) ?? (await startNew());
        const { changed, result } = change(opened);
        if (changed) {
          await lock.confirm();
          await writeFileAtomic(path, serializeDocument(opened.document));
        }
        return result;
      }
    );
  }

  function decrypt(key: VaultKey, ref: SecretRef, version: StoredVersion): SecretPayload {
    const plaintext = unseal(key.key, version.sealed, versionAad(secretKey(ref), version));
    if (plaintext === undefined)
      throw new FileVaultFault(
        "permanent",
        `version ${version.versionId} in vault file ${path} does not decrypt (the file was altered or damaged)`
      );
    const parsed = parsePayload(plaintext);
    if (!parsed.ok)
      throw new FileVaultFault(
        "permanent",
        `version ${version.versionId} in vault file ${path} does not hold a secret document (${parsed.problem})`
      );
    return parsed.value;
  }

  return {
    kind: "file",

    identity: (ref) => fileVaultIdentity({ path, secretKey: secretKey(ref) }),

    readCurrent: (ref) =>
      run("readCurrent", ref, async () => {
        const opened = await open();
        const current = holder(opened?.document.secrets[secretKey(ref)], "AWSCURRENT");
        if (!opened || !current) return null;
        return { versionId: current.versionId, value: decrypt(opened.key, ref, current) };
      }),

    readVersion: (ref, versionId) =>
      run("readVersion", ref, async () => {
        const opened = await open();
        const version = findVersion(opened?.document.secrets[secretKey(ref)], versionId);
        return opened && version ? decrypt(opened.key, ref, version) : null;
      }),

    describe: (ref) =>
      run("describe", ref, async () => {
        const secret = (await open())?.document.secrets[secretKey(ref)];
        if (!secret) return { exists: false };
        const current = labelled(secret, "AWSCURRENT");
        const pending = labelled(secret, "AWSPENDING");
        const previous = labelled(secret, "AWSPREVIOUS");
        return {
          exists: true,
          ...(current && { current }),
          ...(pending && { pending }),
          ...(previous && { previous }),
        };
      }),

    stagePending: (ref, token, value) =>
      run("stagePending", ref, async () => {
        const problem = tokenProblem(token) ?? payloadProblem(ref, value);
        if (problem) throw new FileVaultFault("permanent", problem);
        return mutate(({ document, key }) => {
          const name = secretKey(ref);
          const secret = (document.secrets[name] ??= { account: ref.account, uin: ref.uin, versions: [] });
          const existing = findVersion(secret, token);
          if (existing) {
            if (samePayload(decrypt(key, ref, existing), value))
              return { changed: false, result: { versionId: token } };
            throw new FileVaultFault(
              "conflict",
              `version ${token} already holds a different value; a new value needs a new token`
            );
          }
          const clear = { versionId: token, accessKeyId: value.SecretId };
          addPending(
            secret,
            {
              ...clear,
              createdAt: new Date().toISOString(),
              sealed: seal(key.key, serializePayload(value), versionAad(name, clear)),
            },
            keepUnlabelled
          );
          return { changed: true, result: { versionId: token } };
        });
      }),

    promote: (ref, versionId) =>
      run("promote", ref, () =>
        mutate(({ document, key }) => {
          const secret = document.secrets[secretKey(ref)];
          if (!secret)
            throw new FileVaultFault(
              "permanent",
              `the secret does not exist, so version ${versionId} cannot be promoted`
            );
          const version = findVersion(secret, versionId);
          if (!version) throw new FileVaultFault("permanent", `no version ${versionId}`);
          const promoted = promoteVersion(secret, version, keepUnlabelled);
          // The value is decrypted only for its RotatedAt, which goes into the clear planning index.
          const indexed =
            secret.planning?.currentKeyId !== version.accessKeyId && indexPlanning(secret, decrypt(key, ref, version));
          return { changed: promoted || indexed, result: undefined };
        })
      ),

    discardPending: (ref, versionId) =>
      run("discardPending", ref, async () => {
        // Nothing to discard needs no lock, no key and no file.
        if (!holder((await open())?.document.secrets[secretKey(ref)], "AWSPENDING")) return;
        await mutate(({ document }) => ({
          changed: discardPendingLabel(document.secrets[secretKey(ref)], versionId),
          result: undefined,
        }));
      }),

    listMetadata: async (account, pageToken) => {
      try {
        return await listMetadata(account, pageToken);
      } catch (error) {
        const fault = error instanceof FileVaultFault ? error : faultFromFs(`vault file ${path}`, error);
        throw new VaultError(fault.kind, "listMetadata", `${account}/*`, fault.message);
      }
    },

    async close() {
      // Nothing is held open between calls.
    },
  };
}

/** The version holding `stage`, described from its clear fields only: no decryption. */
function labelled(secret: StoredSecret, stage: VaultStage): VaultVersion | undefined {
  const version = holder(secret, stage);
  return version && { versionId: version.versionId, accessKeyId: version.accessKeyId };
}

function requireKeyOpens(document: VaultDocument, key: VaultKey, path: string): void {
  if (!keyOpens(key.key, document.keyCheck))
    throw new FileVaultFault(
      "permanent",
      `the key from ${key.source} does not open vault file ${path} ` +
        "(wrong key, or the file was written under another key)"
    );
}

/**
 * createFileVault, plus an early check: an existing vault file must parse and open with the configured key, so
 * a wrong key or a damaged file stops the daemon at start-up instead of at the first rotation. Changes nothing.
 */
export async function openFileVault(options: FileVaultOptions): Promise<Vault> {
  const path = resolve(options.path);
  try {
    const raw = await readIfExists(path);
    const keyOptions = { path, ...(options.key ? { key: options.key } : {}) };
    if (raw) {
      const document = parseDocument(raw, path);
      requireKeyOpens(document, await loadKey(keyOptions), path);
    } else if (options.key || process.env[KEY_ENV]) {
      // No file yet: still refuse a malformed configured key now, not after the first CreateAccessKey. Without
      // one, the key file is created on first use, so nothing is loaded (or written) here.
      await loadKey(keyOptions);
    }
  } catch (error) {
    const fault = error instanceof FileVaultFault ? error : faultFromFs(`vault file ${path}`, error);
    throw new VaultError(fault.kind, "open", path, fault.message);
  }
  return createFileVault(options);
}
