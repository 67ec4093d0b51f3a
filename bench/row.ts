// One benchmark row: a fresh fleet (every user holds one key that the vault holds as current), all rotations
// enqueued up front, then N worker processes rotate them against the simulator until the backlog is done (or
// the row's time is up). Figures come from the simulator's counters, the engine's event stream, INFO, and
// /proc/<pid>/stat of the workers.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../src/config/index.js";
import { openRuntime } from "../src/daemon/open-runtime.js";
import { silentLogger } from "../src/log.js";
import { createVault } from "../src/vault/index.js";
import { maxInRollingWindow } from "../test/support/rolling-window.js";
import type { ActionCounters, LoggedRequest } from "../src/cam/simulator/index.js";
import { DEFAULT_VAULT_RATE_LIMITS, VAULT_WRITES_PER_ROTATION } from "../src/cam/limiter/vault-quota-gate.js";
import { concurrently } from "./concurrently.js";
import {
  callsBetween,
  EventFollower,
  readsBetween,
  percentile,
  prefixMemory,
  round,
  sampleRedis,
  steadyRate,
  type RedisSample,
} from "./measure.js";
import { buildFleet, fillVault, userIndex, workerConfig, type Fleet } from "./population.js";
import { CLI, daemonReady, jsonReady, metricsUrlOf, startProcess, type ManagedProcess } from "./processes.js";
import type { BenchWorld } from "./rig.js";
import { startThrottlingVault, type ThrottlingVault } from "./throttling-vault.js";
import { startCountingVault, type CountingVault } from "./counting-vault.js";
import { keyAgeLockKey } from "../src/daemon/key-ages.js";

export type LimiterKind = "ours" | "bullmq" | "rateLimiterFlexible";

export interface RowSpec {
  limiter: LimiterKind;
  processes: number;
  accounts: number;
  /** CreateAccessKey calls per second per account (the other actions scale with it). */
  createLimit: number;
  usersPerAccount: number;
  /** Stop measuring after this long even if rotations remain (the ratio is a rate, so it stays valid). */
  maxSeconds: number;
  /** limiter.safetyMargin in the workers' config; the config's default when absent. */
  safetyMarginMs?: number;
  /** How the backlog is queued: each account's users in one block (default, as per-account sweeps do) or in turns. */
  order?: "blocks" | "interleaved";
  /**
   * The vault-quota row: moto behind a proxy that throttles like AWS (bench/throttling-vault.ts) at this many
   * writes per second, and the same figure as the workers' vault.rateLimits.writes. Moto only.
   */
  vaultWrites?: number;
}

/** The vault-quota row's figures (null in the other rows). */
export interface VaultQuotaFigures {
  /** ThrottlingException answers of the proxy, writes and tags pools, retries included (target 0). */
  throttled: number;
  /** The most writes the proxy let through in any rolling second (the quota is vaultWrites). */
  maxWritesPerSecond: number;
  /** vaultWrites / VAULT_WRITES_PER_ROTATION: the rotations per second the writes pool allows. */
  rotationsPerSecondLimit: number;
}

export interface RowResult extends RowSpec {
  rotations: number;
  failed: number;
  /** Seconds between the first and the last completed rotation. */
  seconds: number;
  rotationsPerSecond: number;
  /** rotationsPerSecond / the lower limit: createLimit x accounts, or the vault's writes pool in the vault-quota row. */
  ratio: number;
  vaultQuota: VaultQuotaFigures | null;
  perAccountRatio: Record<string, number>;
  /** RequestLimitExceeded answers of the simulator's rolling windows, every action, retries included. */
  throttled: number;
  throttledByAction: Record<string, number>;
  /**
   * The most CreateAccessKey calls that reached the simulator in any rolling second, per account (the largest
   * over accounts), admitted or refused: the limit is createLimit.
   */
  createAccessKeyMaxPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRotation: number;
  redisCmdsPerRotation: number;
  /** Commands per rotation by name (INFO commandstats, the benchmark's own included): where they go. */
  redisCmdsByCommandPerRotation: Record<string, number>;
  /** Redis round trips per rotation (INFO stats total_reads_processed delta): commands sent together count once. */
  redisRoundTripsPerRotation: number;
  redisMemPerQueuedBytes: number;
  redisCpuMsPerRotation: number;
  /** moto_server's CPU per rotation; null with the file vault (its work is inside the workers' CPU). */
  vaultCpuMsPerRotation: number | null;
  /** CAM calls the simulator answered, per rotation. */
  camCallsPerRotation: number;
  /** Secrets Manager calls per rotation by API, SDK retries included (moto only; null with the file vault). */
  vaultCallsPerRotation: Record<string, number> | null;
  /** Their sum. */
  vaultCallsTotalPerRotation: number | null;
  /** TCP connections the workers opened to the vault per rotation: below the calls when sockets are reused. */
  vaultConnectionsPerRotation: number | null;
  backlogLeft: number;
}

/** What the secret scan needs from a row. */
export interface RowCapture {
  prefix: string;
  outputs: string[];
  metrics: string[];
  fleet: Fleet;
}

const POLL_MS = 250;

interface PreparedRow {
  fleet: Fleet;
  prefix: string;
  configPath: string;
  total: number;
  /** Redis before the enqueue: the enqueue is part of a rotation's cost. */
  before: RedisSample;
  queued: { bytes: number; calls: number; reads: number };
}

export async function runRow(
  world: BenchWorld,
  spec: RowSpec,
  rowId: string,
  log: (line: string) => void = () => undefined
): Promise<{ result: RowResult; capture: RowCapture }> {
  const proxy = await startVaultProxy(world, spec);
  const counter = world.moto ? await startCountingVault(proxy?.url ?? world.moto.url) : undefined;
  try {
    return await runRowWith(world, spec, rowId, log, { proxy, counter });
  } finally {
    await counter?.close();
    await proxy?.close();
  }
}

interface VaultProxies {
  /** The vault-quota row's throttling proxy. */
  proxy: ThrottlingVault | undefined;
  /** In front of moto (or the throttling proxy): what the workers ask of the vault. */
  counter: CountingVault | undefined;
}

async function startVaultProxy(world: BenchWorld, spec: RowSpec): Promise<ThrottlingVault | undefined> {
  if (spec.vaultWrites === undefined) return undefined;
  if (!world.moto) throw new Error("the vault-quota row needs moto (--vault moto)");
  return startThrottlingVault({
    targetPort: world.moto.port,
    limits: { writes: spec.vaultWrites, tags: DEFAULT_VAULT_RATE_LIMITS.tags },
  });
}

async function runRowWith(
  world: BenchWorld,
  spec: RowSpec,
  rowId: string,
  log: (line: string) => void,
  { proxy, counter }: VaultProxies
): Promise<{ result: RowResult; capture: RowCapture }> {
  const row = await prepareRow(world, spec, rowId, { proxy, counter });
  const env = { ...world.baseEnv, ...row.fleet.env };
  const workers = Array.from({ length: spec.processes }, (_, index) =>
    startWorker(spec.limiter, row.configPath, env, index)
  );
  try {
    const readyLines = await Promise.all(workers.map((worker) => worker.ready));
    const cpuStart = workers.map((worker) => worker.cpuMs());
    const vaultCpuStart = world.vaultCpuMs();
    log(`  ${spec.processes} worker(s) ready; rotating ${row.total} users`);
    const follower = await followUntilDone(world, spec, row, workers, log);
    const after = await sampleRedis(world.redisClient);
    const cpuMs = workers.reduce((sum, worker, index) => sum + worker.cpuMs() - cpuStart[index]!, 0);
    const vaultCpuEnd = world.vaultCpuMs();
    const vaultCpuMs =
      vaultCpuStart === undefined || vaultCpuEnd === undefined ? undefined : vaultCpuEnd - vaultCpuStart;
    const metrics = await Promise.all(readyLines.map((line) => scrape(metricsUrlOf(line))));
    const result = summarizeRow(
      spec,
      row,
      follower,
      { counters: await world.sim.counters(), requests: await world.sim.requests() },
      { after, cpuMs, vaultCpuMs, proxy, counter }
    );
    await Promise.all(workers.map((worker) => worker.stop()));
    return {
      result,
      capture: {
        prefix: row.prefix,
        outputs: workers.map((worker) => worker.stdout() + worker.stderr()),
        metrics,
        fleet: row.fleet,
      },
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.kill()));
  }
}

/** A fresh fleet in the simulator and the vault, the workers' config file, and every rotation queued. */
async function prepareRow(
  world: BenchWorld,
  spec: RowSpec,
  rowId: string,
  { proxy, counter }: VaultProxies
): Promise<PreparedRow> {
  const fleet = buildFleet({
    accounts: spec.accounts,
    usersPerAccount: spec.usersPerAccount,
    createLimit: spec.createLimit,
  });
  await world.sim.reset(fleet.seed);
  for (const secret of fleet.secrets) world.seededSecrets.add(secret);
  const prefix = `bench-${rowId}`;
  const direct = world.vaultConfig(rowId);
  // The workers reach moto through the counting proxy (and the throttling one, pacing themselves at its quota);
  // the fill goes direct.
  const vaultConfig = {
    ...direct,
    ...(counter ? { endpoint: counter.url } : {}),
    ...(proxy ? { rateLimits: { writes: spec.vaultWrites } } : {}),
  };
  const raw = workerConfig(fleet, {
    redisUrl: world.redis.url,
    prefix,
    vault: vaultConfig,
    simulatorUrl: world.sim.url,
    ...(spec.safetyMarginMs === undefined
      ? {}
      : { extra: { limiter: { safetyMargin: spec.safetyMarginMs, namespace: prefix } } }),
  });
  const configPath = join(world.dir, `config-${rowId}.json`);
  writeFileSync(configPath, JSON.stringify(raw, null, 2));
  const config = parseConfig(raw, configPath, fleet.env);

  const vault = await createVault(parseConfig({ ...raw, vault: direct }, configPath, fleet.env).vault);
  await fillVault(vault, fleet);
  await vault.close();
  proxy?.reset();
  counter?.reset();
  // The key-age gauge samples every user's vault entry a few seconds after a worker starts: not a rotation's
  // work. Holding its sampling lock, as a replica that just sampled would, keeps it out of the measured window.
  await world.redisClient.set(keyAgeLockKey(prefix), "bench", "PX", (spec.maxSeconds + 60) * 1000);

  // All rotations queued before any worker runs: the queued memory is measurable, and every worker starts
  // with a full backlog.
  const before = await sampleRedis(world.redisClient);
  const runtime = await openRuntime(config, { log: silentLogger, env: fleet.env, role: "bench" });
  try {
    const users = fleet.accounts.flatMap((account) =>
      account.users.map((user) => ({ account: account.name, uin: user.uin }))
    );
    // Each account's users in one block, as each account's sweep enqueues them; or interleaved.
    if (spec.order === "interleaved") users.sort((a, b) => userIndex(a.uin) - userIndex(b.uin));
    await concurrently(users, 16, (user) => runtime.engine.enqueueRotation({ ...user, force: true, reason: "manual" }));
  } finally {
    await runtime.close();
  }
  const queued = await prefixMemory(world.redisClient, prefix);
  return { fleet, prefix, configPath, total: spec.accounts * spec.usersPerAccount, before, queued };
}

/** Follows the event stream until every rotation ended or the row's time is up. */
async function followUntilDone(
  world: BenchWorld,
  spec: RowSpec,
  row: PreparedRow,
  workers: ManagedProcess[],
  log: (line: string) => void
): Promise<EventFollower> {
  const follower = new EventFollower(world.redisClient, row.prefix);
  const deadline = Date.now() + spec.maxSeconds * 1000;
  let lastReport = Date.now();
  while (Date.now() < deadline) {
    await follower.poll();
    if (follower.done() + follower.failed() >= row.total) break;
    if (workers.some((worker) => !worker.alive()))
      throw new Error(`a worker died:\n${workers.map((w) => w.stderr()).join("\n")}`);
    if (Date.now() - lastReport > 5_000) {
      log(`  ${follower.done()}/${row.total} rotated`);
      lastReport = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  await follower.poll();
  return follower;
}

function summarizeRow(
  spec: RowSpec,
  row: PreparedRow,
  follower: EventFollower,
  { counters, requests }: { counters: Record<string, ActionCounters>; requests: LoggedRequest[] },
  end: { after: RedisSample; cpuMs: number; vaultCpuMs: number | undefined } & VaultProxies
): RowResult {
  const completed = [...follower.rotations.entries()].filter(([, times]) => times.end !== undefined);
  const rotations = completed.length;
  const ends = completed.map(([, times]) => times.end!);
  const rate = steadyRate(ends);
  const perAccountRatio = Object.fromEntries(
    row.fleet.accounts.map((account) => [
      account.name,
      round(
        steadyRate(completed.filter(([who]) => who.startsWith(`${account.name}/`)).map(([, times]) => times.end!)) /
          spec.createLimit,
        3
      ),
    ])
  );
  const vaultQuota =
    end.proxy && spec.vaultWrites !== undefined
      ? {
          throttled: end.proxy.throttled.writes + end.proxy.throttled.tags,
          maxWritesPerSecond: maxInRollingWindow(end.proxy.passed.writes, 1000),
          rotationsPerSecondLimit: round(spec.vaultWrites / VAULT_WRITES_PER_ROTATION, 2),
        }
      : null;
  const lowerLimit = Math.min(
    spec.createLimit * spec.accounts,
    vaultQuota?.rotationsPerSecondLimit ?? Number.POSITIVE_INFINITY
  );
  const latencies = completed.map(([, times]) => times.end! - times.start);
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const camCalls = sum(
    Object.values(counters).map((counter) => counter.ok + counter.throttled + sum(Object.values(counter.errors)))
  );
  const perRotation = (value: number) => (rotations > 0 ? value / rotations : Number.NaN);
  return {
    ...spec,
    rotations,
    failed: follower.failed(),
    seconds: round(ends.length > 1 ? (Math.max(...ends) - Math.min(...ends)) / 1000 : 0, 1),
    rotationsPerSecond: round(rate, 2),
    ratio: round(rate / lowerLimit, 3),
    perAccountRatio,
    vaultQuota,
    throttled: sum(Object.values(counters).map((counter) => counter.throttled)),
    createAccessKeyMaxPerSecond: busiestSecond(requests, "CreateAccessKey"),
    throttledByAction: Object.fromEntries(
      Object.entries(counters)
        .filter(([, counter]) => counter.throttled > 0)
        .map(([action, counter]) => [action, counter.throttled])
    ),
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99)),
    cpuMsPerRotation: round(perRotation(end.cpuMs), 1),
    // Our own calls (following events, measuring memory) are taken out.
    redisCmdsPerRotation: round(perRotation(callsBetween(row.before, end.after, follower.calls + row.queued.calls)), 1),
    redisCmdsByCommandPerRotation: Object.fromEntries(
      Object.entries(end.after.byCommand)
        .map(([name, calls]) => [name, round(perRotation(calls - (row.before.byCommand[name] ?? 0)), 1)] as const)
        .filter(([, calls]) => calls > 0)
        .sort(([, a], [, b]) => b - a)
    ),
    redisRoundTripsPerRotation: round(
      perRotation(readsBetween(row.before, end.after, follower.calls + row.queued.reads)),
      1
    ),
    redisMemPerQueuedBytes: Math.round(row.queued.bytes / row.total),
    redisCpuMsPerRotation: round(perRotation(end.after.cpuMs - row.before.cpuMs), 2),
    vaultCpuMsPerRotation: end.vaultCpuMs === undefined ? null : round(perRotation(end.vaultCpuMs), 1),
    camCallsPerRotation: round(perRotation(camCalls), 2),
    vaultCallsPerRotation: end.counter
      ? Object.fromEntries(
          Object.entries(end.counter.calls)
            .sort()
            .map(([api, calls]) => [api, round(perRotation(calls), 2)])
        )
      : null,
    vaultCallsTotalPerRotation: end.counter ? round(perRotation(sum(Object.values(end.counter.calls))), 2) : null,
    vaultConnectionsPerRotation: end.counter ? round(perRotation(end.counter.connections()), 2) : null,
    backlogLeft: row.total - rotations - follower.failed(),
  };
}

/** Calls of `action` in the busiest rolling second of any one account (the simulator's own window). */
function busiestSecond(requests: LoggedRequest[], action: string): number {
  const byAccount = new Map<string, number[]>();
  for (const entry of requests) {
    if (entry.action !== action || entry.secretId === null) continue;
    // The simulator counts per owner account; the rotator's key identifies it.
    const times = byAccount.get(entry.secretId) ?? [];
    times.push(entry.t);
    byAccount.set(entry.secretId, times);
  }
  return Math.max(0, ...[...byAccount.values()].map((times) => maxInRollingWindow(times, 1000)));
}

function startWorker(limiter: LimiterKind, configPath: string, env: NodeJS.ProcessEnv, index: number): ManagedProcess {
  const name = `worker ${index + 1}`;
  if (limiter === "ours")
    return startProcess({ name, args: [CLI, "worker", "--config", configPath], env, ready: daemonReady });
  return startProcess({
    name,
    env,
    ready: jsonReady,
    args: ["--import", "tsx", "bench/baselines/worker.ts", "--config", configPath, "--limiter", limiter],
  });
}

async function scrape(url: string | undefined): Promise<string> {
  if (!url) return "";
  try {
    return await (await fetch(url)).text();
  } catch {
    return "";
  }
}
