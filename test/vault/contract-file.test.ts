// The vault contract against the encrypted-file adapter, each test in its own temporary directory.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileVault } from "../../src/vault/file-vault.js";
import { secretKey } from "../../src/vault/file-vault-document.js";
import { vaultContract } from "./contract.js";

vaultContract("file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cam-rotator-vault-"));
  const path = join(dir, "vault.json");
  const key = randomBytes(32);
  return {
    open: async () => createFileVault({ path, key }),
    versionCount: async (ref) => {
      const document = JSON.parse(await readFile(path, "utf8").catch(() => "{}")) as {
        secrets?: Record<string, { versions: unknown[] }>;
      };
      return document.secrets?.[secretKey(ref)]?.versions.length ?? 0;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
