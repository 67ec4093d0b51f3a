// Several processes writing one vault file at once: the lock serialises them, each change re-reads the file under
// the lock, so no process's write erases another's (a lost update would drop whole versions), and the file
// always decrypts.
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { runChildren } from "../../bench/limiter/children.js";
import { createFileVault } from "../../src/vault/file-vault.js";
import { KEY_ENV } from "../../src/vault/file-vault-crypto.js";
import { secretKey } from "../../src/vault/file-vault-document.js";
import { workerPayload, workerToken } from "./fixtures/worker-payloads.js";

const WORKERS = 3;
const ROUNDS = 4; // 12 versions on the shared secret: 2 labelled + 10 unlabelled, so pruning drops none
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

it(`${WORKERS} processes stage and promote on one file at once: every version survives and decrypts`, async () => {
  dir = await mkdtemp(join(tmpdir(), "cam-rotator-vault-procs-"));
  const path = join(dir, "vault.json");
  const key = randomBytes(32);
  const previousKey = process.env[KEY_ENV];
  process.env[KEY_ENV] = key.toString("base64"); // inherited by the children
  try {
    await runChildren(
      "test/vault/fixtures/file-vault-worker.ts",
      Array.from({ length: WORKERS }, (_, index) => [path, String(index), String(ROUNDS)]),
      { timeoutMs: 60_000 }
    );
  } finally {
    if (previousKey === undefined) delete process.env[KEY_ENV];
    else process.env[KEY_ENV] = previousKey;
  }

  const vault = createFileVault({ path, key });
  const document = JSON.parse(await readFile(path, "utf8")) as {
    secrets: Record<string, { versions: { versionId: string }[] }>;
  };
  const shared = { account: "shared", uin: 1 };
  const sharedIds = document.secrets[secretKey(shared)]!.versions.map((version) => version.versionId);
  expect(sharedIds).toHaveLength(WORKERS * ROUNDS);

  for (let worker = 0; worker < WORKERS; worker += 1) {
    const own = { account: `w${worker}`, uin: 1 };
    expect(document.secrets[secretKey(own)]!.versions).toHaveLength(ROUNDS);
    const last = workerToken(own, worker, ROUNDS - 1);
    expect(await vault.describe(own)).toEqual({
      exists: true,
      current: { versionId: last, accessKeyId: workerPayload(own, worker, ROUNDS - 1).SecretId },
      previous: {
        versionId: workerToken(own, worker, ROUNDS - 2),
        accessKeyId: workerPayload(own, worker, ROUNDS - 2).SecretId,
      },
    });
    for (let round = 0; round < ROUNDS; round += 1) {
      expect(await vault.readVersion(own, workerToken(own, worker, round))).toEqual(workerPayload(own, worker, round));
      const sharedToken = workerToken(shared, worker, round);
      expect(sharedIds).toContain(sharedToken);
      expect(await vault.readVersion(shared, sharedToken)).toEqual(workerPayload(shared, worker, round));
    }
  }
  const sharedView = await vault.describe(shared);
  expect(sharedView.pending).toBeUndefined();
  expect(sharedIds).toContain(sharedView.current?.versionId);
  expect(sharedIds).toContain(sharedView.previous?.versionId);
  expect((await vault.readCurrent(shared))?.versionId).toBe(sharedView.current?.versionId);

  expect((await stat(path)).mode & 0o777).toBe(0o600);
  expect(await readdir(dir)).toEqual(["vault.json"]); // no temp file, no lock left behind
}, 60_000);
