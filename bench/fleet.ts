// Fleet planning: one account with a large configured user list swept the way the daemon's sweep job does it
// (planSweep from the vault's metadata listing; then enqueueRotations, addBulk in chunks), with every user's
// secret present in the vault as promote leaves it, 120 days old so that every user is due. Two vaults: moto
// (Secrets Manager) and the file vault. Reports each phase's time, vault calls per user, secret values read
// (0 is the target) and CAM calls (any would throw: configured users need none), and the Redis memory the
// queued rotations hold. No worker runs, so nothing is rotated.
import { DAY_MS } from "../src/config/index.js";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { CamApi } from "../src/cam/types.js";
import { parseConfig } from "../src/config/index.js";
import { createRotationEngine } from "../src/jobs/engine/create-engine.js";
import { silentLogger } from "../src/log.js";
import { seedFileVault, seedMoto, type CountedVault } from "./fleet-vaults.js";
import { prefixMemory, round, sampleRedis } from "./measure.js";
import { workerConfig, type Fleet } from "./population.js";
import type { BenchWorld } from "./rig.js";

export type FleetVault = "moto" | "file";

export interface FleetResult {
  vault: FleetVault;
  users: number;
  planSeconds: number;
  enqueueSeconds: number;
  /** planSeconds + enqueueSeconds. */
  sweepSeconds: number;
  enqueuedPerSecond: number;
  /** Vault calls (AWS API calls for moto) per planned user. */
  vaultCallsPerUser: number;
  vaultCalls: number;
  /** GetSecretValue (or a file-vault value read) during planning: the target is 0. */
  secretValueReads: number;
  camCalls: number;
  seedSeconds: number;
  redisBytes: number;
  redisBytesPerUser: number;
  /** used_memory growth, allocator overhead included. */
  usedMemoryGrowthBytes: number;
  redisCmdsPerUser: number;
}

export async function runFleetSweep(
  world: BenchWorld,
  users: number,
  vaultKind: FleetVault,
  log: (line: string) => void = () => undefined
): Promise<FleetResult> {
  const ownerUin = 300_000_000_001;
  const uins = Array.from({ length: users }, (_, index) => ownerUin + 10 + index);
  const fleet: Fleet = {
    accounts: [
      {
        name: "fleet",
        ownerUin,
        rotatorUin: ownerUin + 1,
        rotatorKey: { accessKeyId: "AKIDfleetfleetfleet", secretAccessKey: "unused" },
        secretIdEnv: "BENCH_FLEET_SECRET_ID",
        secretKeyEnv: "BENCH_FLEET_SECRET_KEY",
        users: uins.map((uin) => ({ uin, key: { accessKeyId: "", secretAccessKey: "" } })),
      },
    ],
    seed: { accounts: [] },
    env: { BENCH_FLEET_SECRET_ID: "AKIDfleetfleetfleet", BENCH_FLEET_SECRET_KEY: "unused" },
    secrets: [],
    rateLimits: {
      CreateAccessKey: 5,
      UpdateAccessKey: 5,
      DeleteAccessKey: 5,
      ListAccessKeys: 20,
      GetSecurityLastUsed: 20,
      ListUsers: 20,
      GetUserAppId: 20,
      GetCallerIdentity: 20,
    },
  };
  const prefix = `bench-fleet-${vaultKind}`;
  const template = `bench/fleet-${vaultKind}/{account}/{uin}`;
  const filePath = join(world.dir, `vault-fleet-${vaultKind}.json`);
  const config = parseConfig(
    workerConfig(fleet, {
      redisUrl: world.redis.url,
      prefix,
      simulatorUrl: world.sim.url,
      vault:
        vaultKind === "moto"
          ? { type: "aws-secrets-manager", region: "us-east-1", endpoint: world.moto?.url, nameTemplate: template }
          : { type: "file", path: filePath },
    }),
    "fleet config",
    fleet.env
  );
  const rotatedAt = new Date(Date.now() - 120 * DAY_MS).toISOString();
  let started = performance.now();
  let counted: CountedVault;
  if (vaultKind === "moto") {
    if (!world.moto) throw new Error("the moto fleet row needs the bench's moto_server");
    counted = await seedMoto(world.moto.url, template, "fleet", uins, rotatedAt, log);
  } else {
    counted = await seedFileVault(filePath, randomBytes(32), "fleet", uins, rotatedAt);
  }
  const seedSeconds = (performance.now() - started) / 1000;
  let camCalls = 0;
  // Configured users need no CAM call: any would be counted, and fails the row.
  const cam = new Proxy(
    {},
    {
      get: (_, name) => () => {
        camCalls++;
        throw new Error(`fleet sweep made a CAM call (${String(name)})`);
      },
    }
  ) as CamApi;
  const connection = new Redis(world.redis.url, { maxRetriesPerRequest: null });
  const engine = createRotationEngine({
    config,
    connection,
    vault: counted.vault,
    camFor: () => cam,
    log: silentLogger,
  });
  try {
    const before = await sampleRedis(world.redisClient);
    started = performance.now();
    const plan = await engine.planSweep("fleet", {
      onProgress: (done, total) => {
        if (done % 20_000 === 0) log(`  planned ${done}/${total}`);
      },
    });
    const planSeconds = (performance.now() - started) / 1000;
    const vaultCalls = counted.calls();
    const secretValueReads = counted.valueReads();
    started = performance.now();
    const results = await engine.enqueueRotations(
      { account: "fleet", uins: plan.filter((entry) => entry.due).map((entry) => entry.uin), reason: "schedule" },
      (done, total) => {
        if (done % 20_000 === 0) log(`  enqueued ${done}/${total}`);
      }
    );
    const enqueued = results.filter((result) => result.added).length;
    const enqueueSeconds = (performance.now() - started) / 1000;
    const after = await sampleRedis(world.redisClient);
    const held = await prefixMemory(world.redisClient, prefix);
    if (enqueued !== users) throw new Error(`fleet sweep enqueued ${enqueued} of ${users} users`);
    return {
      vault: vaultKind,
      users,
      planSeconds: round(planSeconds, 1),
      enqueueSeconds: round(enqueueSeconds, 1),
      sweepSeconds: round(planSeconds + enqueueSeconds, 1),
      enqueuedPerSecond: Math.round(users / enqueueSeconds),
      vaultCallsPerUser: round(vaultCalls / users, 4),
      vaultCalls,
      secretValueReads,
      camCalls,
      seedSeconds: round(seedSeconds, 1),
      redisBytes: held.bytes,
      redisBytesPerUser: Math.round(held.bytes / users),
      usedMemoryGrowthBytes: after.usedMemory - before.usedMemory,
      redisCmdsPerUser: round((after.calls - before.calls - 4) / users, 1),
    };
  } finally {
    await engine.close();
    await counted.vault.close();
    await connection.quit();
  }
}
