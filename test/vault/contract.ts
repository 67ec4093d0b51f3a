// The vault contract, written once and run unchanged against every adapter (contract-*.test.ts). A harness
// gives fresh storage per test, opens vault instances on it (a second instance stands for a restarted process)
// and counts stored versions, which the port itself does not expose.
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SecretRef, Vault } from "../../src/vault/port.js";
import { rotationToken } from "../../src/vault/tokens.js";
import { expectNoSecret, expectVaultError, makePayload, reordered } from "./helpers.js";

export interface ContractStorage {
  /** A new vault instance over this test's storage. */
  open(): Promise<Vault>;
  /** All versions the storage holds for `ref`, labelled or not. */
  versionCount(ref: SecretRef): Promise<number>;
  cleanup(): Promise<void>;
}

export function vaultContract(adapter: string, freshStorage: () => Promise<ContractStorage>): void {
  describe(`vault contract: ${adapter}`, () => {
    let storage: ContractStorage;
    let vault: Vault;
    let ref: SecretRef;
    const opened: Vault[] = [];
    const token = (attempt: string) => rotationToken(ref.account, ref.uin, `${attempt}-${randomUUID()}`);
    const open = async () => {
      const instance = await storage.open();
      opened.push(instance);
      return instance;
    };

    beforeEach(async () => {
      storage = await freshStorage();
      vault = await open();
      ref = { account: "main", uin: 100_000_000_011 };
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((instance) => instance.close()));
      await storage.cleanup();
    });

    it("creates the secret on the first stage, as pending only: no current until promote", async () => {
      expect(await vault.describe(ref)).toEqual({ exists: false });
      expect(await vault.readCurrent(ref)).toBeNull();
      const value = makePayload(ref);
      const t1 = token("first");
      expect(await vault.stagePending(ref, t1, value)).toEqual({ versionId: t1 });
      expect(await vault.describe(ref)).toEqual({
        exists: true,
        pending: { versionId: t1, accessKeyId: value.SecretId },
      });
      expect(await vault.readCurrent(ref)).toBeNull();
    });

    it("the same token with the same value returns the same version and stores nothing new", async () => {
      const value = makePayload(ref);
      const t1 = token("idem");
      await vault.stagePending(ref, t1, value);
      const versions = await storage.versionCount(ref);
      const before = await vault.describe(ref);
      expect(await vault.stagePending(ref, t1, reordered(value))).toEqual({ versionId: t1 });
      expect(await (await open()).stagePending(ref, t1, { ...value })).toEqual({ versionId: t1 });
      expect(await storage.versionCount(ref)).toBe(versions);
      expect(await vault.describe(ref)).toEqual(before);
    });

    it("the same token with a different value is a conflict, and the stored value stays", async () => {
      const original = makePayload(ref);
      const other = makePayload(ref);
      const t1 = token("conflict");
      await vault.stagePending(ref, t1, original);
      const versions = await storage.versionCount(ref);
      const error = await expectVaultError(vault.stagePending(ref, t1, other), "conflict");
      expectNoSecret(error, [original.SecretKey, other.SecretKey]);
      // Only the secret differs: still a conflict.
      await expectVaultError(vault.stagePending(ref, t1, { ...original, SecretKey: other.SecretKey }), "conflict");
      expect(await storage.versionCount(ref)).toBe(versions);
      expect((await vault.describe(ref)).pending).toEqual({ versionId: t1, accessKeyId: original.SecretId });
      await vault.promote(ref, t1);
      expect(await vault.readCurrent(ref)).toEqual({ versionId: t1, value: original });
    });

    it("promote makes a version current, and the old current becomes previous", async () => {
      const [v1, v2, v3] = [makePayload(ref), makePayload(ref), makePayload(ref)];
      const [t1, t2, t3] = [token("p1"), token("p2"), token("p3")];
      await vault.stagePending(ref, t1, v1);
      await vault.promote(ref, t1);
      expect(await vault.describe(ref)).toEqual({ exists: true, current: { versionId: t1, accessKeyId: v1.SecretId } });
      expect(await vault.readCurrent(ref)).toEqual({ versionId: t1, value: v1 });

      await vault.stagePending(ref, t2, v2);
      expect(await vault.readCurrent(ref)).toEqual({ versionId: t1, value: v1 }); // staging leaves current alone
      await vault.promote(ref, t2);
      expect(await vault.describe(ref)).toEqual({
        exists: true,
        current: { versionId: t2, accessKeyId: v2.SecretId },
        previous: { versionId: t1, accessKeyId: v1.SecretId },
      });
      expect(await vault.readCurrent(ref)).toEqual({ versionId: t2, value: v2 });

      await vault.stagePending(ref, t3, v3);
      await vault.promote(ref, t3);
      expect(await vault.describe(ref)).toEqual({
        exists: true,
        current: { versionId: t3, accessKeyId: v3.SecretId },
        previous: { versionId: t2, accessKeyId: v2.SecretId },
      });
    });

    it("promote of the version already current is a no-op", async () => {
      const [v1, v2] = [makePayload(ref), makePayload(ref)];
      const [t1, t2] = [token("n1"), token("n2")];
      await vault.stagePending(ref, t1, v1);
      await vault.promote(ref, t1);
      await vault.stagePending(ref, t2, v2);
      await vault.promote(ref, t2);
      const before = await vault.describe(ref);
      const versions = await storage.versionCount(ref);
      await vault.promote(ref, t2);
      await (await open()).promote(ref, t2);
      expect(await vault.describe(ref)).toEqual(before);
      expect(before.previous?.versionId).toBe(t1); // previous did not move onto the current version
      expect(await storage.versionCount(ref)).toBe(versions);
      expect(await vault.readCurrent(ref)).toEqual({ versionId: t2, value: v2 });
    });

    it("a second stage replaces the pending version", async () => {
      const [v1, v2] = [makePayload(ref), makePayload(ref)];
      const [t1, t2] = [token("r1"), token("r2")];
      await vault.stagePending(ref, t1, v1);
      await vault.stagePending(ref, t2, v2);
      expect(await vault.describe(ref)).toEqual({ exists: true, pending: { versionId: t2, accessKeyId: v2.SecretId } });
    });

    it("discard drops the pending label, leaves current alone, and may be repeated", async () => {
      const [v1, v2] = [makePayload(ref), makePayload(ref)];
      const [t1, t2] = [token("d1"), token("d2")];
      await vault.discardPending(ref, t1); // no secret yet: nothing to do
      await vault.stagePending(ref, t1, v1);
      await vault.promote(ref, t1);
      await vault.stagePending(ref, t2, v2);
      await vault.discardPending(ref, t2);
      const expected = { exists: true, current: { versionId: t1, accessKeyId: v1.SecretId } };
      expect(await vault.describe(ref)).toEqual(expected);
      await vault.discardPending(ref, t2);
      await vault.discardPending(ref, t1); // current, not pending: untouched
      expect(await vault.describe(ref)).toEqual(expected);
      expect(await vault.readCurrent(ref)).toEqual({ versionId: t1, value: v1 });
    });

    it("discarding a first rotation's pending version leaves no current", async () => {
      const t1 = token("first-undo");
      await vault.stagePending(ref, t1, makePayload(ref));
      await vault.discardPending(ref, t1);
      expect(await vault.describe(ref)).toEqual({ exists: true });
      expect(await vault.readCurrent(ref)).toBeNull();
    });

    it("after a crash between stage and promote, a new instance sees the pending key id and can finish", async () => {
      const [v1, v2] = [makePayload(ref), makePayload(ref)];
      const [t1, t2] = [token("c1"), token("c2")];
      await vault.stagePending(ref, t1, v1);
      await vault.promote(ref, t1);
      await vault.stagePending(ref, t2, v2);
      await vault.close(); // the process dies here: nothing but the vault remembers v2

      const restarted = await open();
      expect(await restarted.describe(ref)).toEqual({
        exists: true,
        current: { versionId: t1, accessKeyId: v1.SecretId },
        pending: { versionId: t2, accessKeyId: v2.SecretId },
      });
      expect(await restarted.readVersion(ref, t2)).toEqual(v2); // what a resumed verify step reads back
      expect(await restarted.stagePending(ref, t2, v2)).toEqual({ versionId: t2 }); // the resumed step is a no-op
      await restarted.promote(ref, t2);
      expect(await restarted.readCurrent(ref)).toEqual({ versionId: t2, value: v2 });
      expect((await restarted.describe(ref)).previous).toEqual({ versionId: t1, accessKeyId: v1.SecretId });
    });

    it("after a crash during a first rotation, a new instance sees the pending version and no current", async () => {
      const value = makePayload(ref);
      const t1 = token("c-first");
      await vault.stagePending(ref, t1, value);
      await vault.close();
      const restarted = await open();
      expect(await restarted.describe(ref)).toEqual({
        exists: true,
        pending: { versionId: t1, accessKeyId: value.SecretId },
      });
      await restarted.promote(ref, t1);
      expect(await restarted.readCurrent(ref)).toEqual({ versionId: t1, value });
    });

    it("refuses a malformed token, a payload for another user and an unknown version, changing nothing", async () => {
      const value = makePayload(ref);
      const badToken = await expectVaultError(vault.stagePending(ref, "too-short", value), "permanent");
      expect(badToken.message).toContain("too-short");
      expectNoSecret(badToken, [value.SecretKey]);
      const otherUser = await expectVaultError(vault.stagePending(ref, token("x"), { ...value, Uin: 42 }), "permanent");
      expect(otherUser.message).toContain("Uin 42");
      expectNoSecret(otherUser, [value.SecretKey]);
      expect(await vault.describe(ref)).toEqual({ exists: false });

      await expectVaultError(vault.promote(ref, token("nothing-yet")), "permanent");
      const t1 = token("known");
      await vault.stagePending(ref, t1, value);
      const unknown = token("unknown");
      expect((await expectVaultError(vault.promote(ref, unknown), "permanent")).message).toContain(unknown);
      expect(await vault.describe(ref)).toEqual({
        exists: true,
        pending: { versionId: t1, accessKeyId: value.SecretId },
      });
    });

    it("reads any version back by id, labelled or not, and null for what does not exist", async () => {
      const [v1, v2] = [makePayload(ref), makePayload(ref)];
      const [t1, t2] = [token("v1"), token("v2")];
      expect(await vault.readVersion(ref, t1)).toBeNull();
      await vault.stagePending(ref, t1, v1);
      expect(await vault.readVersion(ref, t1)).toEqual(v1);
      await vault.promote(ref, t1);
      await vault.stagePending(ref, t2, v2);
      await vault.discardPending(ref, t2); // now unlabelled
      expect(await vault.readVersion(ref, t1)).toEqual(v1);
      expect(await vault.readVersion(ref, t2)).toEqual(v2);
      expect(await vault.readVersion(ref, token("never-staged"))).toBeNull();
    });

    it("keeps users apart", async () => {
      const other: SecretRef = { account: "main", uin: 100_000_000_012 };
      const mine = makePayload(ref);
      const t1 = token("u1");
      await vault.stagePending(ref, t1, mine);
      await vault.promote(ref, t1);
      expect(await vault.describe(other)).toEqual({ exists: false });
      expect(await vault.readCurrent(other)).toBeNull();
    });
  });
}
