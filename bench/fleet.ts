// Fleet planning: one account with a large configured user list (100,000 by default) swept the way the daemon's
// sweep job does it (planSweep: who is due and why; then enqueueRotation for each due user, one after the
// other), against an empty vault so that every user is due. Reports the time of each phase and the Redis memory
// the queued rotations hold. No worker runs, so nothing is rotated and the simulator is never called.
import { join } from "node:path";
import { parseConfig } from "../src/config/index.js";
import { openRuntime } from "../src/daemon/open-runtime.js";
import { silentLogger } from "../src/log.js";
import { prefixMemory, round, sampleRedis } from "./measure.js";
import { workerConfig, type Fleet } from "./population.js";
import type { BenchWorld } from "./rig.js";

export interface FleetResult {
  users: number;
  planSeconds: number;
  enqueueSeconds: number;
  /** planSeconds + enqueueSeconds. */
  sweepSeconds: number;
  enqueuedPerSecond: number;
  redisBytes: number;
  redisBytesPerUser: number;
  /** used_memory growth, allocator overhead included. */
  usedMemoryGrowthBytes: number;
  redisCmdsPerUser: number;
}

export async function runFleetSweep(world: BenchWorld, users: number, log: (line: string) => void = () => undefined): Promise<FleetResult> {
  const ownerUin = 300_000_000_001;
  const fleet: Fleet = {
    accounts: [{ name: "fleet", ownerUin, rotatorUin: ownerUin + 1, rotatorKey: { accessKeyId: "AKIDfleetfleetfleet", secretAccessKey: "unused" },
      secretIdEnv: "BENCH_FLEET_SECRET_ID", secretKeyEnv: "BENCH_FLEET_SECRET_KEY",
      users: Array.from({ length: users }, (_, index) => ({ uin: ownerUin + 10 + index, key: { accessKeyId: "", secretAccessKey: "" } })) }],
    seed: { accounts: [] }, env: { BENCH_FLEET_SECRET_ID: "AKIDfleetfleetfleet", BENCH_FLEET_SECRET_KEY: "unused" }, secrets: [],
    rateLimits: { CreateAccessKey: 5, UpdateAccessKey: 5, DeleteAccessKey: 5, ListAccessKeys: 20, GetSecurityLastUsed: 20, ListUsers: 20, GetUserAppId: 20,
      GetCallerIdentity: 20 },
  };
  const prefix = "bench-fleet";
  const config = parseConfig(workerConfig(fleet, { redisUrl: world.redis.url, prefix, simulatorUrl: world.sim.url,
    vault: { type: "file", path: join(world.dir, "vault-fleet-empty.json") } }), "fleet config", fleet.env);
  const runtime = await openRuntime(config, { log: silentLogger, env: fleet.env, role: "bench-fleet" });
  try {
    const before = await sampleRedis(world.redisClient);
    let started = performance.now();
    const plan = await runtime.engine.planSweep("fleet", { onProgress: (done, total) => {
      if (done % 20_000 === 0) log(`  planned ${done}/${total}`);
    } });
    const planSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    let enqueued = 0;
    for (const entry of plan.filter((candidate) => candidate.due)) {
      const { added } = await runtime.engine.enqueueRotation({ account: "fleet", uin: entry.uin, reason: "schedule" });
      if (added) enqueued++;
      if (enqueued % 20_000 === 0) log(`  enqueued ${enqueued}/${users}`);
    }
    const enqueueSeconds = (performance.now() - started) / 1000;
    const after = await sampleRedis(world.redisClient);
    const held = await prefixMemory(world.redisClient, prefix);
    if (enqueued !== users) throw new Error(`fleet sweep enqueued ${enqueued} of ${users} users`);
    return {
      users,
      planSeconds: round(planSeconds, 1),
      enqueueSeconds: round(enqueueSeconds, 1),
      sweepSeconds: round(planSeconds + enqueueSeconds, 1),
      enqueuedPerSecond: Math.round(users / enqueueSeconds),
      redisBytes: held.bytes,
      redisBytesPerUser: Math.round(held.bytes / users),
      usedMemoryGrowthBytes: after.usedMemory - before.usedMemory,
      redisCmdsPerUser: round((after.calls - before.calls - 3) / users, 1),
    };
  } finally {
    await runtime.close();
  }
}
