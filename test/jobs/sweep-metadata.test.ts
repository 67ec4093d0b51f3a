// Sweep planning at fleet scale against moto: from the metadata listing in pages, never a secret value; a
// transient page error is retried; a user that still fails is reported by name and the rest is planned; the
// key-age gauge reads no value either.
import { DAY_MS } from "../../src/config/index.js";
import { randomUUID } from "node:crypto";
import { CreateSecretCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { CamApi } from "../../src/cam/types.js";
import { accountSchema } from "../../src/config/schema.js";
import { startKeyAgeSampler } from "../../src/daemon/key-ages.js";
import { planSweep, type SweepDeps } from "../../src/jobs/sweep.js";
import { silentLogger } from "../../src/log.js";
import { createAwsSecretsManagerVault, MANAGED_BY_TAG } from "../../src/vault/aws-secrets-manager.js";
import { CURRENT_KEY_TAG, ROTATED_AT_TAG } from "../../src/vault/metadata-tags.js";
import { renderSecretName } from "../../src/vault/secret-name.js";
import { recordingClient, uniqueTemplate, type SentCommand } from "../vault/moto.js";

const ACCOUNT = "main";
const FIRST_UIN = 100_000_000_100;
const NOW = Date.parse("2026-12-01T00:00:00.000Z");
const redis = new Redis(inject("redisUrl"));
afterAll(() => redis.quit());

/** Any CAM call fails the test: configured users are planned without one. */
const noCam = new Proxy(
  {},
  {
    get: (_, name) => () => {
      throw new Error(`unexpected CAM call ${String(name)}`);
    },
  }
) as CamApi;

interface Fleet {
  template: string;
  uins: number[];
  /** Days since rotation per seeded UIN (absent: no secret). */
  ages: Map<number, number>;
}

/** Secrets as promote leaves them (tags included), created in parallel; `legacy` UINs get no planning tags. */
async function seedFleet(client: SecretsManagerClient, count: number, legacy: readonly number[] = []): Promise<Fleet> {
  const template = uniqueTemplate();
  const uins = Array.from({ length: count }, (_, index) => FIRST_UIN + index);
  const ages = new Map(uins.map((uin, index) => [uin, index % 3 === 0 ? 120 : 5]));
  await Promise.all(
    uins.map(async (uin) => {
      const rotatedAt = new Date(NOW - ages.get(uin)! * DAY_MS).toISOString();
      const keyId = `AKID${uin}`;
      const planning = legacy.includes(uin)
        ? []
        : [
            { Key: CURRENT_KEY_TAG, Value: keyId },
            { Key: ROTATED_AT_TAG, Value: String(Date.parse(rotatedAt)) },
          ];
      await client.send(
        new CreateSecretCommand({
          Name: renderSecretName(template, { account: ACCOUNT, uin }),
          SecretString: JSON.stringify({
            SecretId: keyId,
            SecretKey: `sk-${randomUUID()}`,
            Uin: uin,
            Account: ACCOUNT,
            CreateTime: "2026-01-01 00:00:00",
            RotatedAt: rotatedAt,
          }),
          Tags: [
            MANAGED_BY_TAG,
            { Key: "cam-account", Value: ACCOUNT },
            { Key: "cam-uin", Value: String(uin) },
            ...planning,
          ],
        })
      );
    })
  );
  return { template, uins, ages };
}

function depsFor(client: SecretsManagerClient, template: string, users: number[]): SweepDeps {
  const account = accountSchema.parse({
    name: ACCOUNT,
    credentials: { secretIdEnv: "A", secretKeyEnv: "B" },
    users,
    schedule: "0 3 * * *",
    maxKeyAgeDays: 90,
  });
  return {
    cam: noCam,
    account,
    clock: () => NOW,
    vault: createAwsSecretsManagerVault({ region: "us-east-1", client, nameTemplate: template }),
    rotationQueued: async () => false,
    queuedAmong: async () => new Set(),
    retry: { attempts: 3, firstDelayMs: 20 },
  };
}

const count = (log: SentCommand[], api: string) =>
  log.filter((command) => command.name.replace(/Command$/, "") === api).length;

/** Fails the commands `fails` picks with a 503, before they reach moto (outside the SDK's own retries). */
function faultyClient(
  log: SentCommand[],
  fails: (command: SentCommand, seen: number) => boolean
): SecretsManagerClient {
  const client = recordingClient(inject("motoUrl"), log, 1);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = { name: String(context.commandName), input: args.input as Record<string, unknown> };
      if (fails(command, count(log, command.name.replace(/Command$/, ""))))
        throw Object.assign(new Error("injected"), { name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } });
      return next(args);
    },
    { step: "initialize", name: "injectFaults", priority: "low" }
  );
  return client;
}

describe("sweep planning from vault metadata", () => {
  it("lists 100 secrets a call and reads no secret value; only a secret without planning tags is read", async () => {
    const log: SentCommand[] = [];
    const client = recordingClient(inject("motoUrl"), log);
    const legacy = FIRST_UIN + 7;
    const fleet = await seedFleet(client, 250, [legacy]);
    const missing = FIRST_UIN + 999;
    log.length = 0;
    const plan = await planSweep(depsFor(client, fleet.template, [...fleet.uins, missing]));

    expect(count(log, "ListSecrets")).toBe(3);
    expect(count(log, "GetSecretValue")).toBe(1); // the legacy secret's, and no other
    expect(count(log, "DescribeSecret")).toBe(1);
    expect(
      log.filter((command) => command.name === "GetSecretValueCommand").map((command) => command.input.SecretId)
    ).toEqual([renderSecretName(fleet.template, { account: ACCOUNT, uin: legacy })]);
    expect(plan).toHaveLength(251);
    for (const entry of plan.filter((candidate) => candidate.uin !== missing)) {
      const days = fleet.ages.get(entry.uin)!;
      expect(entry, String(entry.uin)).toMatchObject({
        due: days >= 90,
        currentKeyId: `AKID${entry.uin}`,
        currentKeyAgeDays: days,
      });
      expect(entry.failure).toBeUndefined();
    }
    expect(plan.find((entry) => entry.uin === missing)).toMatchObject({
      due: true,
      reason: "no key in vault",
      currentKeyId: null,
    });
  });

  it("retries a page that fails with a transient error and plans everyone", async () => {
    const log: SentCommand[] = [];
    const fleet = await seedFleet(recordingClient(inject("motoUrl")), 150);
    // The second ListSecrets call (page two) fails once.
    const client = faultyClient(log, (command, seen) => command.name === "ListSecretsCommand" && seen === 2);
    const plan = await planSweep(depsFor(client, fleet.template, fleet.uins));
    expect(count(log, "ListSecrets")).toBe(3);
    expect(plan.filter((entry) => entry.failure !== undefined)).toEqual([]);
    expect(plan.filter((entry) => entry.due).length).toBe(
      fleet.uins.filter((uin) => fleet.ages.get(uin)! >= 90).length
    );
    expect(plan.every((entry) => entry.currentKeyId === `AKID${entry.uin}`)).toBe(true);
  });

  it("reports a user that still fails by name and plans the rest", async () => {
    const log: SentCommand[] = [];
    const broken = FIRST_UIN + 3;
    const fleet = await seedFleet(recordingClient(inject("motoUrl")), 20, [broken]);
    const brokenName = renderSecretName(fleet.template, { account: ACCOUNT, uin: broken });
    const client = faultyClient(log, (command) => command.input.SecretId === brokenName);
    const plan = await planSweep(depsFor(client, fleet.template, fleet.uins));
    const failed = plan.filter((entry) => entry.failure !== undefined);
    expect(failed.map((entry) => entry.uin)).toEqual([broken]);
    expect(failed[0]).toMatchObject({ due: false });
    expect(failed[0]!.failure).toContain(brokenName);
    expect(failed[0]!.reason).toContain(brokenName);
    expect(count(log, "DescribeSecret")).toBe(3); // tried three times
    for (const entry of plan.filter((candidate) => candidate.uin !== broken))
      expect(entry).toMatchObject({ currentKeyId: `AKID${entry.uin}`, currentKeyAgeDays: fleet.ages.get(entry.uin) });
  });

  it("reports the users a listing that keeps failing never reached, and plans those it did", async () => {
    const log: SentCommand[] = [];
    const fleet = await seedFleet(recordingClient(inject("motoUrl")), 150);
    const client = faultyClient(log, (command, seen) => command.name === "ListSecretsCommand" && seen >= 2);
    const plan = await planSweep(depsFor(client, fleet.template, fleet.uins));
    const failed = plan.filter((entry) => entry.failure !== undefined);
    expect(failed).toHaveLength(50);
    for (const entry of failed)
      expect(entry).toMatchObject({
        due: false,
        reason: expect.stringMatching(/vault listing stopped early.*ListSecrets/),
      });
    expect(
      plan.filter((entry) => entry.failure === undefined).every((entry) => entry.currentKeyId === `AKID${entry.uin}`)
    ).toBe(true);
  });

  it("feeds the key-age gauge from metadata: no secret value read, a legacy secret counts as unknown", async () => {
    const log: SentCommand[] = [];
    const client = recordingClient(inject("motoUrl"), log);
    const legacy = FIRST_UIN + 2;
    const fleet = await seedFleet(client, 30, [legacy]);
    log.length = 0;
    const deps = depsFor(client, fleet.template, fleet.uins);
    const sampler = startKeyAgeSampler({
      redis,
      prefix: `t-${randomUUID()}`,
      accounts: [ACCOUNT],
      log: silentLogger,
      planner: { planSweep: (_account, options) => planSweep(deps, options) },
      intervalMs: 60_000,
      firstSampleMs: 60_000,
    });
    try {
      expect(await sampler.sample()).toBe(true);
      expect(count(log, "GetSecretValue")).toBe(0);
      expect(count(log, "DescribeSecret")).toBe(0);
      expect(count(log, "ListSecrets")).toBe(1);
      // Oldest: 120 days old by the plan's clock; the sampler turns it into a creation time by the wall clock.
      const ages = await sampler.read();
      expect(ages[ACCOUNT]).toBeCloseTo(120 * 86_400, -1);
    } finally {
      sampler.stop();
    }
  });
});
