// The AWS adapter's short paths (vault port, VaultHint): a caller's earlier view of the secret spares it reading
// the secret again, and a stale view costs a look, never a wrong label. Plus the planning metadata tags that
// every promotion writes (metadata-tags.ts). Against moto.
import { DeleteSecretCommand, DescribeSecretCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createAwsSecretsManagerVault } from "../../src/vault/aws-secrets-manager.js";
import { CURRENT_KEY_TAG, ROTATED_AT_TAG } from "../../src/vault/metadata-tags.js";
import type { SecretRef } from "../../src/vault/port.js";
import { renderSecretName } from "../../src/vault/secret-name.js";
import { rotationToken } from "../../src/vault/tokens.js";
import { makePayload } from "./helpers.js";
import { recordingClient, TEST_REGION, uniqueTemplate, type SentCommand } from "./moto.js";

const clients: SecretsManagerClient[] = [];
afterAll(() => clients.forEach((each) => each.destroy()));

const ref: SecretRef = { account: "main", uin: 100_000_000_021 };
const token = (attempt: string) => rotationToken(ref.account, ref.uin, attempt);

function setup() {
  const sent: SentCommand[] = [];
  const client = recordingClient(inject("motoUrl"), sent);
  clients.push(client);
  const nameTemplate = uniqueTemplate();
  const vault = createAwsSecretsManagerVault({ region: TEST_REGION, nameTemplate, client });
  const name = renderSecretName(nameTemplate, ref);
  const tags = async () =>
    Object.fromEntries(
      ((await client.send(new DescribeSecretCommand({ SecretId: name }))).Tags ?? []).map((tag) => [tag.Key, tag.Value])
    );
  return { sent, client, vault, name, tags, apis: () => sent.map((command) => command.name.replace(/Command$/, "")) };
}

describe("aws-secrets-manager adapter with the caller's view", () => {
  it("stages and promotes on a fresh view without reading the secret: one write each, plus the tags", async () => {
    const { vault, sent, apis, tags } = setup();
    const first = makePayload(ref);
    await vault.promote(ref, (await vault.stagePending(ref, token("first"), first)).versionId);
    const seen = await vault.describe(ref);
    sent.splice(0);

    const second = makePayload(ref);
    const { versionId } = await vault.stagePending(ref, token("second"), second, { seen });
    await vault.promote(ref, versionId, {
      seen: { ...seen, pending: { versionId, accessKeyId: second.SecretId } },
      accessKeyId: second.SecretId,
      rotatedAt: 1_700_000_000_000,
    });
    expect(apis()).toEqual(["PutSecretValue", "UpdateSecretVersionStage", "UpdateSecretVersionStage", "TagResource"]);

    const after = await vault.describe(ref);
    expect(after.current).toEqual({ versionId, accessKeyId: second.SecretId });
    expect(after.previous?.accessKeyId).toBe(first.SecretId);
    expect(after.pending).toBeUndefined();
    expect(await tags()).toMatchObject({ [CURRENT_KEY_TAG]: second.SecretId, [ROTATED_AT_TAG]: "1700000000000" });
  });

  it("a stale view costs a look at the secret, and the labels still end where they belong", async () => {
    const { vault } = setup();
    const first = makePayload(ref);
    const { versionId: firstId } = await vault.stagePending(ref, token("first"), first);
    await vault.promote(ref, firstId);
    const stale = await vault.describe(ref); // current: first
    const second = makePayload(ref);
    const { versionId: secondId } = await vault.stagePending(ref, token("second"), second, { seen: stale });
    await vault.promote(ref, secondId); // Behind the view's back: current is second now.

    const third = makePayload(ref);
    const { versionId: thirdId } = await vault.stagePending(ref, token("third"), third, { seen: stale });
    // The view says first is current: AWS refuses to take AWSCURRENT from it, and the adapter looks for itself.
    await vault.promote(ref, thirdId, {
      seen: { ...stale, pending: { versionId: thirdId, accessKeyId: third.SecretId } },
    });
    const after = await vault.describe(ref);
    expect(after.current?.accessKeyId).toBe(third.SecretId);
    expect(after.previous?.accessKeyId).toBe(second.SecretId);
    expect(after.pending).toBeUndefined();
  });

  it("a view whose pending label is gone already (a promotion cut short) is finished by the careful path", async () => {
    const { vault, tags } = setup();
    await vault.promote(ref, (await vault.stagePending(ref, token("first"), makePayload(ref))).versionId);
    const seen = await vault.describe(ref);
    const second = makePayload(ref);
    const { versionId } = await vault.stagePending(ref, token("second"), second, { seen });
    await vault.promote(ref, versionId); // The first run promoted, then died before the tags.
    await vault.promote(ref, versionId, { seen: { ...seen, pending: { versionId, accessKeyId: second.SecretId } } });
    const after = await vault.describe(ref);
    expect(after.current?.accessKeyId).toBe(second.SecretId);
    expect(after.pending).toBeUndefined();
    expect((await tags())[CURRENT_KEY_TAG]).toBe(second.SecretId);
  });

  it("a view of a secret deleted since makes stage recreate it, with the new key pending only", async () => {
    const { vault, client, name } = setup();
    await vault.promote(ref, (await vault.stagePending(ref, token("first"), makePayload(ref))).versionId);
    const seen = await vault.describe(ref);
    await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));

    const next = makePayload(ref);
    const { versionId } = await vault.stagePending(ref, token("again"), next, { seen });
    const after = await vault.describe(ref);
    expect(after.current).toBeUndefined(); // Never current before promote, even on a secret made anew.
    expect(after.pending).toEqual({ versionId, accessKeyId: next.SecretId });
  });

  it("promote without metadata tags the key id and RotatedAt the promoted version holds", async () => {
    const { vault, tags } = setup();
    const value = { ...makePayload(ref), RotatedAt: "2025-01-01T00:00:00.000Z" };
    await vault.promote(ref, (await vault.stagePending(ref, token("first"), value)).versionId);
    expect(await tags()).toMatchObject({
      [CURRENT_KEY_TAG]: value.SecretId,
      [ROTATED_AT_TAG]: String(Date.parse(value.RotatedAt)),
      "managed-by": "cam-rotator",
    });
  });
});
