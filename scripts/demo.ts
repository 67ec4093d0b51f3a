// `npm run demo`: the whole product in under a minute on a fresh machine. It starts the CAM simulator with a
// demo account, a file vault in a temp dir, Redis (REDIS_URL if it answers, else a private redis-server) and a
// worker daemon in this process; fires the schedule's sweep once; follows every rotation; approves the one
// flagged key as an operator would; lets the old keys retire; and prints what happened.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { newAccessKeyId, newSecretAccessKey } from "../src/cam/simulator/ids.js";
import { startCamSimulator, type RunningCamSimulator } from "../src/cam/simulator/index.js";
import { parseConfig } from "../src/config/index.js";
import { startDaemon } from "../src/daemon/daemon.js";
import { probeRedis } from "../src/daemon/redis.js";
import { startRedisServer } from "../test/support/services.js";
import type { RotationEngine, RotationEvent, RotationOutcome } from "../src/jobs/engine/face.js";
import { jobIds } from "../src/jobs/queue.js";
import { RECORD_KEY_ENV } from "../src/jobs/record-mac.js";
import { createLogger } from "../src/log.js";
import { openFileVault } from "../src/vault/index.js";

const ACCOUNT = "demo";
const OWNER = 100000000001;
const ROTATOR = 100000000002;
const OLD = "2025-06-01 08:00:00";
const OLD_ISO = "2025-06-01T00:00:00.000Z";

interface DemoUser {
  uin: number;
  name: string;
  story: string;
  keys: Array<{ status: "Active" | "Inactive"; vault: "current" | "previous" | "none" }>;
}

/** One user per path through a rotation. */
const USERS: DemoUser[] = [
  { uin: 100000000011, name: "alice", story: "one old key", keys: [{ status: "Active", vault: "current" }] },
  {
    uin: 100000000012,
    name: "bob",
    story: "two keys: current + Inactive previous",
    keys: [
      { status: "Inactive", vault: "previous" },
      { status: "Active", vault: "current" },
    ],
  },
  {
    uin: 100000000013,
    name: "carol",
    story: "two keys: current + a foreign one",
    keys: [
      { status: "Active", vault: "none" },
      { status: "Active", vault: "current" },
    ],
  },
  { uin: 100000000014, name: "dave", story: "no key yet", keys: [] },
];

const started = Date.now();
const say = (text = "") => process.stdout.write(`${text}\n`);
const cleanups: Array<() => Promise<void> | void> = [];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "cam-rotator-demo-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  // The demo vault makes its own key file next to it; a key in the environment is for real vaults.
  delete process.env.CAM_ROTATOR_FILE_VAULT_KEY;
  // Likewise a record key of its own, for this run's Redis records only.
  process.env[RECORD_KEY_ENV] = randomBytes(32).toString("base64");

  const { seed, rootKey, seeded } = demoSeed();
  const sim = await startCamSimulator({ seed });
  cleanups.push(() => sim.close());
  const redis = await demoRedis();
  const vaultPath = join(dir, "vault.json");
  await seedVault(vaultPath, seeded);

  process.env.DEMO_SECRET_ID = rootKey.accessKeyId;
  process.env.DEMO_SECRET_KEY = rootKey.secretAccessKey;
  const config = parseConfig(
    {
      redis: { url: redis.url, prefix: redis.prefix },
      vault: { type: "file", path: vaultPath },
      accounts: [
        {
          name: ACCOUNT,
          endpoint: sim.url,
          credentials: { secretIdEnv: "DEMO_SECRET_ID", secretKeyEnv: "DEMO_SECRET_KEY" },
          users: USERS.map((user) => user.uin),
          schedule: "0 3 * * *",
          timezone: "UTC",
          maxKeyAgeDays: 90,
          // Seconds instead of days, so the old keys' retirement happens while you watch.
          // The demo's simulator reports uses at once, so there is no last-use lag to wait for.
          retire: { deactivateAfter: "2s", deleteAfter: "2s", lastUsedLag: "0s" },
          overLimit: "auto",
        },
      ],
      http: { host: "127.0.0.1", port: 0 },
    },
    "demo config",
    {}
  );

  say(`cam-rotator demo`);
  say(`  CAM simulator ${sim.url}, Redis ${redis.label}, file vault ${vaultPath}`);
  const log = createLogger({ level: process.env.LOG_LEVEL ?? "error" }, pino.destination(2));
  const daemon = await startDaemon(config, { log, schedules: false });
  cleanups.unshift(() => daemon.shutdown("demo finished"));
  const { engine } = daemon.runtime;

  say(`  worker running; metrics at ${daemon.http?.url}/metrics`);
  say(`  the 03:00 schedule fires now: one sweep of account "${ACCOUNT}"`);
  say();
  await engine.enqueueSweep(ACCOUNT, Math.floor(Date.now() / 1000) * 1000);
  await waitForEvent(engine, (type) => type === "sweep-done");

  const outcomes = new Map<number, RotationOutcome>();
  await Promise.all(
    USERS.map(async (user) => {
      outcomes.set(user.uin, await engine.waitForRotation(jobIds.rotate(ACCOUNT, user.uin), undefined, 30_000));
    })
  );

  // An operator reviews the flag (`cam-rotator flagged`) and approves it (`cam-rotator approve-removal`).
  const flags = await engine.listFlags();
  for (const flag of flags) {
    await engine.approveRemoval(flag.accessKeyId);
    outcomes.set(flag.uin, await engine.waitForRotation(jobIds.rotate(ACCOUNT, flag.uin), undefined, 30_000));
  }

  // Old keys: deactivated after 2 s (they were not used since), deleted 2 s later.
  const retiring = [...outcomes.values()].flatMap((outcome) =>
    outcome.kind === "rotated" && outcome.previousKeyId ? [outcome.previousKeyId] : []
  );
  await waitFor(
    async () => {
      const events = await engine.readEvents({ count: 1_000 });
      return retiring.every((keyId) => events.some((event) => event.type === "key-deleted" && event.keyId === keyId));
    },
    20_000,
    "old keys to retire"
  );

  printSummary(outcomes, await engine.readEvents({ count: 1_000 }), sim);
  const metrics = await (await fetch(`${daemon.http?.url}/metrics`)).text();
  say();
  say("metrics (excerpt):");
  for (const line of metrics
    .split("\n")
    .filter((l) => /^cam_rotator_(rotations_total|keys_flagged_total|cam_calls_total\{[^}]*CreateAccessKey)/.test(l))) {
    say(`  ${line}`);
  }
  say();
  say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function printSummary(outcomes: Map<number, RotationOutcome>, events: RotationEvent[], sim: RunningCamSimulator): void {
  const keysNow = new Map(
    sim.simulator
      .snapshot()
      .accounts.flatMap((account) => account.users)
      .map((user) => [user.uin, user.keys.map((key) => `${key.accessKeyId} (${key.status})`)])
  );
  const nameWidth = Math.max(...USERS.map((user) => user.name.length));
  const indent = " ".repeat(nameWidth + 4);
  say("what happened");
  for (const user of USERS) {
    say(`  ${user.name.padEnd(nameWidth)}  uin ${user.uin}, before: ${user.story}`);
    for (const line of storyOf(user.uin, outcomes.get(user.uin)!, events)) say(`${indent}${line}`);
  }
  say();
  say("keys in CAM now (one Active key each: the one the vault holds as current)");
  for (const user of USERS) say(`  ${user.name.padEnd(nameWidth)}  ${(keysNow.get(user.uin) ?? []).join(", ") || "-"}`);
}

/** One line per thing that happened to a user, from the event stream the CLI's `events` command shows. */
function storyOf(uin: number, outcome: RotationOutcome, events: RotationEvent[]): string[] {
  return events
    .filter((event) => event.uin === uin)
    .flatMap((event) => {
      switch (event.type) {
        case "key-removed":
          return [`made room: deleted ${event.keyId} (${event.detail ?? "removable"})`];
        case "key-flagged":
          return [`${event.keyId} is not the rotator's (${event.detail}): flagged for removal, rotation parked`];
        case "flag-approved":
          return [`operator ran approve-removal --key ${event.keyId}; the rotation resumed`];
        case "rotation-completed":
          return [
            outcome.kind === "rotated"
              ? `rotated ${outcome.previousKeyId ?? "(no key)"} -> ${outcome.newKeyId}`
              : describe(outcome),
          ];
        case "key-deactivated":
          return [`old key ${event.keyId} deactivated (unused since the rotation)`];
        case "key-deleted":
          return [`old key ${event.keyId} deleted`];
        default:
          return [];
      }
    });
}

function describe(outcome: RotationOutcome): string {
  switch (outcome.kind) {
    case "rotated":
      return `rotated ${outcome.previousKeyId ?? "(no key)"} -> ${outcome.newKeyId}`;
    case "skipped":
      return `skipped: ${outcome.reason}`;
    case "parked":
      return `parked: ${outcome.flaggedKeyId} flagged (${outcome.reason})`;
    case "failed":
      return `FAILED: ${outcome.reason}`;
    default: {
      const unreachable: never = outcome;
      return String(unreachable);
    }
  }
}

/** The simulator's account: root, the rotator's admin sub-user, and the demo users with their keys. */
function demoSeed() {
  const rootKey = { accessKeyId: newAccessKeyId(), secretAccessKey: newSecretAccessKey() };
  const seeded: Array<{ uin: number; accessKeyId: string; secretAccessKey: string; vault: "current" | "previous" }> =
    [];
  const users = USERS.map((user) => ({
    uin: user.uin,
    name: user.name,
    keys: user.keys.map((spec) => {
      const key = { accessKeyId: newAccessKeyId(), secretAccessKey: newSecretAccessKey() };
      if (spec.vault !== "none") seeded.push({ uin: user.uin, ...key, vault: spec.vault });
      return { ...key, status: spec.status, createTime: OLD };
    }),
  }));
  const seed = {
    accounts: [
      {
        ownerUin: OWNER,
        appId: 1300000001,
        users: [
          { uin: OWNER, name: "root", keys: [] },
          { uin: ROTATOR, name: "cam-rotator", admin: true, keys: [{ ...rootKey, status: "Active" as const }] },
          ...users,
        ],
      },
    ],
  };
  return { seed, rootKey, seeded };
}

/** What an earlier rotator run would have left: the current key (and bob's previous one) in the vault. */
async function seedVault(path: string, seeded: ReturnType<typeof demoSeed>["seeded"]): Promise<void> {
  const vault = await openFileVault({ path });
  const ordered = [
    ...seeded.filter((key) => key.vault === "previous"),
    ...seeded.filter((key) => key.vault === "current"),
  ];
  for (const key of ordered) {
    const ref = { account: ACCOUNT, uin: key.uin };
    const { versionId } = await vault.stagePending(ref, randomUUID(), {
      SecretId: key.accessKeyId,
      SecretKey: key.secretAccessKey,
      Uin: key.uin,
      Account: ACCOUNT,
      CreateTime: OLD,
      RotatedAt: OLD_ISO,
    });
    await vault.promote(ref, versionId);
  }
  await vault.close();
}

/** REDIS_URL if something answers there (under a throwaway prefix, removed afterwards), else a private server. */
async function demoRedis(): Promise<{ url: string; prefix: string; label: string }> {
  const prefix = `cam-rotator-demo-${randomBytes(4).toString("hex")}`;
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    try {
      await probeRedis(fromEnv, 1_000);
      cleanups.push(() => removePrefix(fromEnv, prefix));
      return { url: fromEnv, prefix, label: `REDIS_URL (keys under ${prefix}, removed afterwards)` };
    } catch {
      say(`REDIS_URL does not answer; starting a private redis-server instead`);
    }
  }
  const server = await startRedisServer();
  cleanups.push(() => server.stop());
  return { url: server.url, prefix, label: `private redis-server on port ${server.port}` };
}

async function removePrefix(url: string, prefix: string): Promise<void> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
  await redis.quit();
}

async function waitForEvent(engine: RotationEngine, match: (type: string) => boolean): Promise<void> {
  await waitFor(
    async () => (await engine.readEvents({ count: 1_000 })).some((event) => match(event.type)),
    20_000,
    "the sweep"
  );
}

async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function cleanUp(): Promise<void> {
  for (const step of cleanups.splice(0)) await Promise.resolve(step()).catch(() => undefined);
}

try {
  await main();
  await cleanUp();
  process.exit(0);
} catch (error) {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  await cleanUp();
  process.exit(1);
}
