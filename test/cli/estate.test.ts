// Adopting an existing estate through the binary (issue 12): `legacy` names a pre-existing key an application
// still signs with, and `vault adopt` takes over a hand-made secret only when it holds a key of its user.
import { readFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { CreateSecretCommand, DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createCamClient } from "../../src/cam/client.js";
import { renderSecretName } from "../../src/vault/secret-name.js";
import { configuredCli, createCliEnv, type CliEnv, type Spawned } from "./cli-env.js";

const ONBOARDED = 100000000021;
const HANDMADE = 100000000022;
const STRANGER = 100000000023;
const TEAM = [100000000024, 100000000025];

let world: CliEnv;
let worker: Spawned;
let sm: SecretsManagerClient;
const outputs: string[] = [];

const cli = configuredCli(() => world, outputs);

const secretName = (uin: number) =>
  renderSecretName(
    (JSON.parse(readFileSync(world.configPath, "utf8")) as { vault: { nameTemplate: string } }).vault.nameTemplate,
    { account: "main", uin }
  );
const tagsOf = async (uin: number) =>
  Object.fromEntries(
    ((await sm.send(new DescribeSecretCommand({ SecretId: secretName(uin) }))).Tags ?? []).map((tag) => [
      tag.Key,
      tag.Value,
    ])
  );
/** The user's seeded key; world.secrets lists the root's secret, then each seeded key's in seeding order. */
const simKey = (uin: number) => {
  const accessKeyId = world.keyIds.get(uin)![0]!;
  return { accessKeyId, secretAccessKey: world.secrets[1 + [...world.keyIds.values()].flat().indexOf(accessKeyId)]! };
};

beforeAll(async () => {
  world = await createCliEnv({
    users: [
      { uin: ONBOARDED, name: "onboarded", keys: [{}] },
      { uin: HANDMADE, name: "handmade", keys: [{}] },
      { uin: STRANGER, name: "stranger", keys: [{}] },
      ...TEAM.map((uin) => ({ uin, name: `team-${uin}`, keys: [{}, { inVault: "current" as const }] })),
    ],
  });
  sm = new SecretsManagerClient({
    region: "us-east-1",
    endpoint: inject("motoUrl"),
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  worker = world.spawn(["worker", "--config", world.configPath]);
  await worker.waitFor((line) => line.includes('"worker ready"'), 20_000);
}, 40_000);

afterAll(async () => {
  worker?.child.kill("SIGTERM");
  await worker?.exited;
  sm?.destroy();
  await world?.close();
  for (const secret of world?.secrets ?? []) for (const output of outputs) expect(output).not.toContain(secret);
});

describe("legacy", () => {
  it("lists a pre-existing key that is still used after the first rotation, with its last use", async () => {
    const old = simKey(ONBOARDED);
    expect((await cli("legacy", "--json")).stdout.trim()).toBe("[]");
    const rotated = await cli("rotate", "--account", "main", "--uin", String(ONBOARDED), "--wait");
    expect(rotated.code, rotated.stderr).toBe(0);
    // An application still signs with the key it had before the rotator took over.
    await createCamClient(
      {
        name: "main",
        endpoint: world.sim.url,
        credentials: { secretId: old.accessKeyId, secretKey: old.secretAccessKey },
      },
      { gate: { admit: async () => undefined, penalize: async () => undefined } }
    ).getUserAppId();
    const listed = await cli("legacy", "--account", "main", "--json");
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        account: "main",
        uin: ONBOARDED,
        accessKeyId: old.accessKeyId,
        status: "Active",
        lastUsedAt: expect.any(Number),
      }),
    ]);
    const table = await cli("legacy");
    expect(table.stdout).toContain(old.accessKeyId);
    expect(table.stdout).toContain("LAST USED");
    const unknown = await cli("legacy", "--account", "nope");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('account "nope" is not in the configuration (configured: "main")');
  }, 120_000); // a dozen spawns of the binary; the shared 2-core machine makes each take seconds
});

describe("vault adopt", () => {
  it("lists first, adopts a hand-made secret holding its user's key, and refuses one holding another user's key", async () => {
    const own = simKey(HANDMADE);
    const others = simKey(HANDMADE); // the stranger's secret holds the handmade user's key: not the stranger's
    for (const [uin, keyId] of [
      [HANDMADE, own.accessKeyId],
      [STRANGER, others.accessKeyId],
    ] as const) {
      await sm.send(
        new CreateSecretCommand({
          Name: secretName(uin),
          SecretString: JSON.stringify({ SecretId: keyId, SecretKey: "hand-made-value-0000" }),
        })
      );
    }
    world.secrets.push("hand-made-value-0000");
    // Not ours: the rotation refuses it, as before.
    expect((await cli("rotate", "--account", "main", "--uin", String(HANDMADE), "--wait")).code).toBe(1);

    const dry = await cli("vault", "adopt", "--account", "main", "--dry-run", "--json");
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as {
      plan: Array<{ uin: number; action: string; why?: string; keyId?: string }>;
      adopted: number[];
    };
    expect(plan.adopted).toEqual([]);
    expect(plan.plan).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ uin: HANDMADE, action: "adopt", keyId: own.accessKeyId }),
        expect.objectContaining({
          uin: STRANGER,
          action: "refuse",
          why: expect.stringContaining(`is not a key of uin ${STRANGER}`),
        }),
        expect.objectContaining({ uin: ONBOARDED, action: "skip", why: "already managed by cam-rotator" }),
      ])
    );
    expect((await tagsOf(HANDMADE))["managed-by"]).toBeUndefined(); // the dry run changed nothing

    const real = await cli("vault", "adopt", "--account", "main");
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/adopt\s+holds key/);
    expect(real.stdout).toContain("adopted 1 secret(s)");
    expect(await tagsOf(HANDMADE)).toMatchObject({
      "managed-by": "cam-rotator",
      "cam-account": "main",
      "cam-uin": String(HANDMADE),
    });
    expect((await tagsOf(STRANGER))["managed-by"]).toBeUndefined();
    const audit = await cli("events", "--json");
    expect(audit.stdout).toContain("operator-vault-adopt");

    const show = await cli("vault", "show", "--account", "main", "--uin", String(HANDMADE), "--json");
    expect(JSON.parse(show.stdout)).toMatchObject({ current: { accessKeyId: own.accessKeyId } });
  }, 120_000); // a dozen spawns of the binary; the shared 2-core machine makes each take seconds
});

describe("bulk flag handling", () => {
  it("approve-removal --account --reason lists what it would do, acts only with --yes, and audits each decision with user and host", async () => {
    for (const uin of TEAM) {
      expect((await cli("rotate", "--account", "main", "--uin", String(uin), "--force", "--wait")).code).toBe(3); // parked: foreign key
    }
    const foreign = TEAM.map((uin) => world.keyIds.get(uin)![0]!);
    const flagged = async () =>
      (JSON.parse((await cli("flagged", "--json")).stdout) as Array<{ accessKeyId: string; status: string }>).filter(
        (flag) => foreign.includes(flag.accessKeyId)
      );
    expect((await flagged()).map((flag) => flag.status)).toEqual(["pending", "pending"]);

    const bad = await cli("approve-removal", "--account", "main", "--reason", "because");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'expected a flag reason (foreign-key, flag-only-policy, unproven-create), got "because"'
    );
    const both = await cli("approve-removal", "--key", foreign[0]!, "--account", "main", "--reason", "foreign-key");
    expect(both.code).toBe(2);

    const listed = await cli("approve-removal", "--account", "main", "--reason", "foreign-key");
    expect(listed.code, listed.stderr).toBe(0);
    for (const keyId of foreign) expect(listed.stdout).toContain(`would approve-removal ${keyId}`);
    expect(listed.stdout).toContain("run again with --yes");
    expect((await flagged()).map((flag) => flag.status)).toEqual(["pending", "pending"]);

    const done = await cli("approve-removal", "--account", "main", "--reason", "foreign-key", "--yes");
    expect(done.code, done.stderr).toBe(0);
    for (const keyId of foreign) expect(done.stdout).toContain(`approved removal of ${keyId}`);
    const events = JSON.parse((await cli("events", "--json", "--count", "500")).stdout) as Array<{
      type: string;
      keyId?: string;
      detail?: string;
    }>;
    const approvals = events.filter((event) => event.type === "operator-approve-removal");
    expect(approvals.map((event) => event.keyId).sort()).toEqual([...foreign].sort());
    for (const approval of approvals) expect(approval.detail).toContain(`by ${userInfo().username}@${hostname()}`);
  }, 120_000); // a dozen spawns of the binary; the shared 2-core machine makes each take seconds
});
