// The file vault's clear planning index: written at promote, listed in pages of 100 by UIN without the key,
// and absent (so the sweep reads that user's value) for a secret promoted before the index existed.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileVault } from "../../src/vault/file-vault.js";
import type { SecretRef, VaultMetadataEntry } from "../../src/vault/port.js";
import { rotationToken } from "../../src/vault/tokens.js";
import { makePayload } from "./helpers.js";

let dir: string;
let path: string;
const key = randomBytes(32);
const ref = (uin: number): SecretRef => ({ account: "main", uin });
const token = (uin: number) => rotationToken("main", uin, randomUUID());

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cam-rotator-file-index-"));
  path = join(dir, "vault.json");
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function listAll(account: string): Promise<{ entries: VaultMetadataEntry[]; pages: number }> {
  const vault = createFileVault({ path });
  const entries: VaultMetadataEntry[] = [];
  let pages = 0;
  let next: string | undefined;
  do {
    const page = await vault.listMetadata(account, next);
    pages++;
    entries.push(...page.entries);
    next = page.nextToken;
  } while (next !== undefined);
  return { entries, pages };
}

describe("file vault planning index", () => {
  it("is set at promote and listed without the key; staged-only secrets have no current key", async () => {
    const vault = createFileVault({ path, key });
    const promoted = makePayload(ref(11));
    const { versionId } = await vault.stagePending(ref(11), token(11), promoted);
    await vault.promote(ref(11), versionId);
    await vault.stagePending(ref(12), token(12), makePayload(ref(12)));
    await vault.stagePending({ account: "other", uin: 13 }, token(13), makePayload({ account: "other", uin: 13 }));
    // No key option and no key file in reach: the listing needs neither.
    await rm(`${path}.key`, { force: true });
    const { entries } = await listAll("main");
    expect(entries).toEqual([
      {
        uin: 11,
        name: "main/11",
        hasCurrent: true,
        planning: { currentKeyId: promoted.SecretId, rotatedAt: Date.parse(promoted.RotatedAt) },
      },
      { uin: 12, name: "main/12", hasCurrent: false },
    ]);
    // The index is clear text in the file; the secret is not.
    const text = await readFile(path, "utf8");
    expect(text).toContain(`"currentKeyId": "${promoted.SecretId}"`);
    expect(text).not.toContain(promoted.SecretKey);
  });

  it("follows the next promote, and leaves out the index of a file written before it (planned from the value)", async () => {
    const vault = createFileVault({ path, key });
    const first = makePayload(ref(21));
    await vault.promote(ref(21), (await vault.stagePending(ref(21), token(21), first)).versionId);
    const second = { ...makePayload(ref(21)), RotatedAt: "2026-12-01T00:00:00.000Z" };
    await vault.promote(ref(21), (await vault.stagePending(ref(21), token(21), second)).versionId);
    expect((await listAll("main")).entries[0]!.planning).toEqual({
      currentKeyId: second.SecretId,
      rotatedAt: Date.parse(second.RotatedAt),
    });

    const document = JSON.parse(await readFile(path, "utf8")) as { secrets: Record<string, { planning?: unknown }> };
    delete document.secrets["main/21"]!.planning;
    await writeFile(path, JSON.stringify(document));
    expect((await listAll("main")).entries).toEqual([{ uin: 21, name: "main/21", hasCurrent: true }]);
  });

  it("pages by 100 in UIN order", async () => {
    const vault = createFileVault({ path, key });
    const uins = Array.from({ length: 230 }, (_, index) => 1_000 + ((index * 37) % 230));
    for (const uin of uins) await vault.stagePending(ref(uin), token(uin), makePayload(ref(uin)));
    const { entries, pages } = await listAll("main");
    expect(pages).toBe(3);
    expect(entries.map((entry) => entry.uin)).toEqual([...uins].sort((a, b) => a - b));
  }, 60_000);
});
