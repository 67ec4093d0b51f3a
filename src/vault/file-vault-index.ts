// The file vault's unencrypted planning index: per secret, the current key id and when it was rotated in, kept
// in clear beside the sealed versions and updated at promote, so a sweep plans without the key or a decryption.
// Listing pages through it in UIN order; the parsed file is reused while it is unchanged (same inode, size and
// mtime: every write replaces the file), so paging through a large vault parses it once, not once per page.
import { open } from "node:fs/promises";
import { FileVaultFault } from "./file-vault-fault.js";
import { holder, parseDocument, type StoredSecret, type VaultDocument } from "./file-vault-document.js";
import { planningTime } from "./metadata-tags.js";
import type { SecretPayload, VaultMetadataEntry, VaultMetadataPage } from "./port.js";

const PAGE_SIZE = 100;

/** Points the index at the promoted version; true when that changed it. */
export function indexPlanning(secret: StoredSecret, promoted: Pick<SecretPayload, "SecretId" | "RotatedAt">): boolean {
  if (secret.planning?.currentKeyId === promoted.SecretId && secret.planning.rotatedAt === promoted.RotatedAt)
    return false;
  secret.planning = { currentKeyId: promoted.SecretId, rotatedAt: promoted.RotatedAt };
  return true;
}

function entryOf(name: string, secret: StoredSecret): VaultMetadataEntry {
  const current = holder(secret, "AWSCURRENT");
  // An index naming another key than the current version's is stale (a file edited by hand): plan from the value.
  const planning = current && secret.planning?.currentKeyId === current.accessKeyId ? secret.planning : undefined;
  const rotatedAt = planning ? planningTime(planning.rotatedAt) : null;
  return {
    uin: secret.uin,
    name,
    hasCurrent: current !== undefined,
    ...(planning && rotatedAt !== null ? { planning: { currentKeyId: planning.currentKeyId, rotatedAt } } : {}),
  };
}

interface Parsed {
  signature: string;
  byAccount: Map<string, VaultMetadataEntry[]>;
}

export function createMetadataLister(
  path: string
): (account: string, pageToken?: string) => Promise<VaultMetadataPage> {
  let cached: Parsed | undefined;

  async function load(): Promise<Parsed | undefined> {
    let handle;
    try {
      handle = await open(path, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    try {
      const info = await handle.stat();
      const signature = `${info.ino}:${info.size}:${info.mtimeMs}`;
      if (cached?.signature !== signature)
        cached = { signature, byAccount: indexOf(parseDocument(await handle.readFile(), path)) };
      return cached;
    } finally {
      await handle.close();
    }
  }

  return async (account, pageToken) => {
    const after = pageToken === undefined ? 0 : Number(pageToken);
    if (!Number.isSafeInteger(after) || after < 0)
      throw new FileVaultFault("permanent", `page token ${JSON.stringify(pageToken)} is not one this vault gave out`);
    const all = (await load())?.byAccount.get(account) ?? [];
    const start = firstAfter(all, after);
    const entries = all.slice(start, start + PAGE_SIZE);
    const last = entries.at(-1);
    return { entries, ...(start + PAGE_SIZE < all.length && last ? { nextToken: String(last.uin) } : {}) };
  };
}

function indexOf(document: VaultDocument): Map<string, VaultMetadataEntry[]> {
  const byAccount = new Map<string, VaultMetadataEntry[]>();
  for (const [name, secret] of Object.entries(document.secrets)) {
    const list = byAccount.get(secret.account) ?? [];
    list.push(entryOf(name, secret));
    byAccount.set(secret.account, list);
  }
  for (const list of byAccount.values()) list.sort((a, b) => a.uin - b.uin);
  return byAccount;
}

/** Index of the first entry with a UIN above `uin` (entries sorted by UIN). */
function firstAfter(entries: readonly VaultMetadataEntry[], uin: number): number {
  let [low, high] = [0, entries.length];
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (entries[middle]!.uin <= uin) low = middle + 1;
    else high = middle;
  }
  return low;
}
