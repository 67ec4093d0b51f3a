// What only the file adapter promises: where its key comes from, file modes, encryption at rest, pruning, and
// its cross-process lock's handling of stale and live holders.
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chmod, mkdtemp, readdir, readFile, rm, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createFileVault, openFileVault } from "../../src/vault/file-vault.js";
import { withFileLock } from "../../src/vault/file-vault-lock.js";
import { KEY_ENV } from "../../src/vault/file-vault-crypto.js";
import { secretKey } from "../../src/vault/file-vault-document.js";
import type { SecretRef } from "../../src/vault/port.js";
import { rotationToken } from "../../src/vault/tokens.js";
import { expectNoSecret, expectVaultError, makePayload, sha256 } from "./helpers.js";

const ref: SecretRef = { account: "main", uin: 100_000_000_011 };
const token = (attempt: string) => rotationToken(ref.account, ref.uin, `${attempt}-${randomUUID()}`);
let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cam-rotator-file-vault-"));
  path = join(dir, "vault.json");
  vi.stubEnv(KEY_ENV, ""); // whatever the developer's shell holds, these tests choose the key source
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

type StoredFile = {
  secrets: Record<
    string,
    { versions: { accessKeyId: string; stages: string[]; sealed: { iv: string; tag: string; data: string } }[] }
  >;
};
const readStored = async () => JSON.parse(await readFile(path, "utf8")) as StoredFile;

describe("file vault key", () => {
  it("is created on first use as a 0600 key file beside a 0600 vault file, and reused by the next instance", async () => {
    const value = makePayload(ref);
    const t1 = token("k");
    await createFileVault({ path }).stagePending(ref, t1, value);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(`${path}.key`)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(`${path}.key`, "utf8")).trim(), "base64")).toHaveLength(32);
    expect((await readdir(dir)).sort()).toEqual(["vault.json", "vault.json.key"]); // no temp or lock file left
    expect(await createFileVault({ path }).readVersion(ref, t1)).toEqual(value);
  });

  it(`comes from ${KEY_ENV} when set, and then no key file is made`, async () => {
    const key = randomBytes(32);
    vi.stubEnv(KEY_ENV, key.toString("base64"));
    const value = makePayload(ref);
    const t1 = token("env");
    await createFileVault({ path }).stagePending(ref, t1, value);
    expect(await readdir(dir)).toEqual(["vault.json"]);
    vi.stubEnv(KEY_ENV, "");
    expect(await createFileVault({ path, key }).readVersion(ref, t1)).toEqual(value);
  });

  it(`refuses a malformed ${KEY_ENV}, naming the variable but not its value`, async () => {
    const malformed = randomBytes(16).toString("base64");
    vi.stubEnv(KEY_ENV, malformed);
    const error = await expectVaultError(
      createFileVault({ path }).stagePending(ref, token("bad-env"), makePayload(ref)),
      "permanent"
    );
    expect(error.message).toContain(`${KEY_ENV} must be base64 of exactly 32 bytes (it decodes to 16)`);
    expectNoSecret(error, [malformed]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses a key file that others can read", async () => {
    await createFileVault({ path }).stagePending(ref, token("mode"), makePayload(ref));
    await chmod(`${path}.key`, 0o644);
    const error = await expectVaultError(createFileVault({ path }).describe(ref), "permanent");
    expect(error.message).toContain(`key file ${path}.key has mode 644; it must be 600`);
  });

  it("does not make a new key for an existing vault whose key file is missing", async () => {
    await createFileVault({ path }).stagePending(ref, token("lost"), makePayload(ref));
    await unlink(`${path}.key`);
    const before = await sha256(path);
    const error = await expectVaultError(
      createFileVault({ path }).stagePending(ref, token("lost-2"), makePayload(ref)),
      "permanent"
    );
    expect(error.message).toContain(`key file ${path}.key does not`);
    expect(await readdir(dir)).toEqual(["vault.json"]);
    expect(await sha256(path)).toBe(before);
  });

  it("openFileVault checks an existing file's key before any operation", async () => {
    await createFileVault({ path, key: randomBytes(32) }).stagePending(ref, token("open"), makePayload(ref));
    const error = await expectVaultError(openFileVault({ path, key: randomBytes(32) }), "permanent");
    expect(error.message).toMatch(
      /^vault open .*vault\.json failed \(permanent\): the key from the key option does not open/
    );
    await expect(openFileVault({ path: join(dir, "new.json"), key: randomBytes(32) })).resolves.toMatchObject({
      kind: "file",
    });
  });

  it("openFileVault refuses a malformed configured key even before the vault file exists, and writes nothing", async () => {
    vi.stubEnv(KEY_ENV, "not-a-32-byte-base64-key");
    try {
      const error = await expectVaultError(openFileVault({ path: join(dir, "fresh.json") }), "permanent");
      expect(error.message).toContain(KEY_ENV);
      expect(error.message).not.toContain("not-a-32-byte-base64-key");
      expect((await readdir(dir)).filter((name) => name.startsWith("fresh"))).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("file vault at rest", () => {
  it("holds each value sealed with its own IV and tag, key ids in clear, no secret in clear", async () => {
    const key = randomBytes(32);
    const vault = createFileVault({ path, key });
    const [v1, v2] = [makePayload(ref), makePayload(ref)];
    const [t1, t2] = [token("r1"), token("r2")];
    await vault.stagePending(ref, t1, v1);
    await vault.promote(ref, t1);
    await vault.stagePending(ref, t2, v2);
    const raw = await readFile(path, "utf8");
    expect(raw).not.toContain(v1.SecretKey);
    expect(raw).not.toContain(v2.SecretKey);
    const versions = (await readStored()).secrets[secretKey(ref)]!.versions;
    expect(versions.map((version) => version.accessKeyId)).toEqual([v1.SecretId, v2.SecretId]);
    for (const version of versions) {
      expect(Buffer.from(version.sealed.iv, "base64")).toHaveLength(12);
      expect(Buffer.from(version.sealed.tag, "base64")).toHaveLength(16);
    }
    expect(versions[0]!.sealed.iv).not.toBe(versions[1]!.sealed.iv);
  });

  it("binds the clear key id to the sealed value: editing it makes the version fail to decrypt", async () => {
    const key = randomBytes(32);
    const value = makePayload(ref);
    const t1 = token("aad");
    await createFileVault({ path, key }).stagePending(ref, t1, value);
    await createFileVault({ path, key }).promote(ref, t1);
    const stored = await readStored();
    stored.secrets[secretKey(ref)]!.versions[0]!.accessKeyId = "AKIDSOMEONEELSE";
    await writeFile(path, JSON.stringify(stored));
    const error = await expectVaultError(createFileVault({ path, key }).readCurrent(ref), "permanent");
    expect(error.message).toContain(`version ${t1} in vault file ${path} does not decrypt`);
    expectNoSecret(error, [value.SecretKey]);
  });

  it("keeps every labelled version and the 10 newest unlabelled ones", async () => {
    const vault = createFileVault({ path, key: randomBytes(32) });
    const tokens: string[] = [];
    for (let round = 0; round < 15; round += 1) {
      tokens.push(token(`prune-${round}`));
      await vault.stagePending(ref, tokens[round]!, makePayload(ref));
      await vault.promote(ref, tokens[round]!);
    }
    const last = token("prune-pending");
    await vault.stagePending(ref, last, makePayload(ref));
    const versions = (await readStored()).secrets[secretKey(ref)]!.versions;
    expect(versions).toHaveLength(13); // current + previous + pending + 10 unlabelled
    expect(versions.filter((version) => version.stages.length === 0)).toHaveLength(10);
    expect(await vault.readVersion(ref, tokens[2]!)).toBeNull(); // the oldest went
    expect(await vault.readVersion(ref, tokens[3]!)).not.toBeNull();
    expect((await vault.describe(ref)).pending?.versionId).toBe(last);
  });
});

describe("file vault lock", () => {
  const lockWith = (owner: { pid: number; host: string }) =>
    writeFile(`${path}.lock`, JSON.stringify({ ...owner, nonce: "0123456789abcdef", since: new Date().toISOString() }));

  it("breaks a lock whose process has exited", async () => {
    const deadPid = await exitedPid();
    await lockWith({ pid: deadPid, host: hostname() });
    const vault = createFileVault({ path, key: randomBytes(32), lockTimeoutMs: 2_000 });
    const t1 = token("stale");
    await vault.stagePending(ref, t1, makePayload(ref));
    expect((await vault.describe(ref)).pending?.versionId).toBe(t1);
    expect((await readdir(dir)).sort()).toEqual(["vault.json"]);
  });

  it.each([
    ["a live process on this host", () => ({ pid: process.pid, host: hostname() })],
    ["a process on another host, whose liveness cannot be checked", () => ({ pid: 999_999, host: "another-host" })],
  ])("waits for a lock held by %s, then gives up with a transient error and changes nothing", async (_label, owner) => {
    const key = randomBytes(32);
    const vault = createFileVault({ path, key, lockTimeoutMs: 300 });
    const t1 = token("held-1");
    await vault.stagePending(ref, t1, makePayload(ref));
    const before = await sha256(path);
    const holder = owner();
    await lockWith(holder);
    const started = Date.now();
    const error = await expectVaultError(vault.promote(ref, t1), "transient");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(error.message).toContain(`locked by pid ${holder.pid} on ${holder.host}`);
    expect(await sha256(path)).toBe(before);
    await unlink(`${path}.lock`);
    await vault.promote(ref, t1);
    expect((await vault.describe(ref)).current?.versionId).toBe(t1);
  });
});

describe("file vault lock left by an earlier incarnation with our own pid and host (a restarted container)", () => {
  // Node runs as pid 1 in a container and a restarted container keeps its hostname: the pid is alive (it is us),
  // so only the owner token tells the two incarnations apart, and only the lease frees the lock.
  const earlierIncarnation = () =>
    JSON.stringify({
      token: "0".repeat(32),
      pid: process.pid,
      host: hostname(),
      nonce: "0123456789abcdef",
      since: new Date().toISOString(),
      startedAt: new Date(Date.now() - 60_000).toISOString(),
      leaseMs: 400,
    });

  it("is broken once its lease ran out, and the stage succeeds", async () => {
    await writeFile(`${path}.lock`, earlierIncarnation());
    const vault = createFileVault({ path, key: randomBytes(32), lockTimeoutMs: 3_000 });
    const t1 = token("wedged");
    const started = Date.now();
    await vault.stagePending(ref, t1, makePayload(ref));
    expect(Date.now() - started).toBeGreaterThanOrEqual(300); // it waited for the lease, did not break it at once
    expect((await vault.describe(ref)).pending?.versionId).toBe(t1);
    expect((await readdir(dir)).sort()).toEqual(["vault.json"]);
  });

  it("is broken at once when its lease ran out long ago (the file's mtime is its last renewal)", async () => {
    await writeFile(`${path}.lock`, earlierIncarnation());
    const longAgo = new Date(Date.now() - 3_600_000);
    await utimes(`${path}.lock`, longAgo, longAgo);
    const vault = createFileVault({ path, key: randomBytes(32), lockTimeoutMs: 300 });
    await vault.stagePending(ref, token("old-lock"), makePayload(ref));
    expect((await readdir(dir)).sort()).toEqual(["vault.json"]);
  });

  it("a live holder keeps its lock past the lease by renewing it", async () => {
    const key = randomBytes(32);
    const holder = createFileVault({ path, key, lockLeaseMs: 300 });
    const waiter = createFileVault({ path, key, lockTimeoutMs: 5_000, lockLeaseMs: 300 });
    const t1 = token("slow");
    await holder.stagePending(ref, t1, makePayload(ref));
    let staged = false;
    let staging: Promise<void> | undefined;
    await withFileLock(`${path}.lock`, { timeoutMs: 1_000, leaseMs: 300 }, async (lock) => {
      staging = waiter.stagePending(ref, token("waiter"), makePayload(ref)).then(() => {
        staged = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // over three leases
      expect(staged).toBe(false);
      await lock.confirm(); // still ours
    });
    await staging;
    expect(staged).toBe(true);
  });
});

/** The pid of a process that has exited and been reaped: certainly not alive. */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}
