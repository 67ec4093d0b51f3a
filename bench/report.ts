// The benchmark's outputs: an aligned table per row, the fleet line, the JSON file under bench/results/, and
// the one-line summary (`--json`) whose headline is ours at the real limit with 4 processes and 1 account.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FleetResult } from "./fleet.js";
import type { RowResult } from "./row.js";

const COLUMNS: Array<[string, (row: RowResult) => string]> = [
  [
    "limiter",
    (row) =>
      row.limiter +
      (row.safetyMarginMs === undefined ? "" : ` (margin ${row.safetyMarginMs} ms)`) +
      (row.order === "interleaved" ? " (interleaved)" : "") +
      (row.vaultWrites === undefined ? "" : ` (vault ${row.vaultWrites} writes/s)`),
  ],
  ["procs", (row) => String(row.processes)],
  ["accts", (row) => String(row.accounts)],
  ["limit/s", (row) => String(row.createLimit)],
  ["users", (row) => String(row.accounts * row.usersPerAccount)],
  ["rotated", (row) => String(row.rotations)],
  ["rot/s", (row) => row.rotationsPerSecond.toFixed(2)],
  ["ratio", (row) => row.ratio.toFixed(3)],
  ["throttled", (row) => String(row.throttled)],
  ["vault throttled", (row) => (row.vaultQuota ? String(row.vaultQuota.throttled) : "-")],
  ["max Create/1s", (row) => String(row.createAccessKeyMaxPerSecond)],
  ["p50 ms", (row) => String(row.p50Ms)],
  ["p99 ms", (row) => String(row.p99Ms)],
  ["cpu ms/rot", (row) => row.cpuMsPerRotation.toFixed(1)],
  ["vault cpu ms/rot", (row) => (row.vaultCpuMsPerRotation === null ? "-" : row.vaultCpuMsPerRotation.toFixed(1))],
  ["redis cmds/rot", (row) => row.redisCmdsPerRotation.toFixed(1)],
  ["redis trips/rot", (row) => row.redisRoundTripsPerRotation.toFixed(1)],
  [
    "vault calls/rot",
    (row) => (row.vaultCallsTotalPerRotation === null ? "-" : row.vaultCallsTotalPerRotation.toFixed(2)),
  ],
  ["redis B/queued", (row) => String(row.redisMemPerQueuedBytes)],
];

export function table(rows: RowResult[]): string {
  const cells = [COLUMNS.map(([title]) => title), ...rows.map((row) => COLUMNS.map(([, cell]) => cell(row)))];
  const widths = COLUMNS.map((_, column) => Math.max(...cells.map((line) => line[column]!.length)));
  return cells
    .map((line) =>
      line
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join("  ")
    )
    .join("\n");
}

/** Each row's Secrets Manager calls per rotation, by API (moto rows only). */
export function vaultCallLines(rows: RowResult[]): string[] {
  return rows
    .filter((row) => row.vaultCallsPerRotation !== null)
    .map(
      (row) =>
        `vault calls per rotation (${row.limiter}, ${row.processes} procs, ${row.accounts} accts): ${row.vaultCallsTotalPerRotation} = ` +
        `${Object.entries(row.vaultCallsPerRotation!)
          .map(([api, calls]) => `${calls} ${api}`)
          .join(" + ")}; ` +
        `${row.vaultConnectionsPerRotation} TCP connections per rotation`
    );
}

export function fleetLine(fleet: FleetResult): string {
  return (
    `fleet sweep (${fleet.vault}): ${fleet.users} users planned in ${fleet.planSeconds} s and enqueued in ${fleet.enqueueSeconds} s ` +
    `with ${fleet.vaultCallsPerUser} vault calls per user, ${fleet.secretValueReads} secret values read, ${fleet.camCalls} CAM calls ` +
    `(${fleet.enqueuedPerSecond}/s); Redis holds ${(fleet.redisBytes / 1024 / 1024).toFixed(1)} MiB for them ` +
    `(${fleet.redisBytesPerUser} B per queued rotation; used_memory grew ${(fleet.usedMemoryGrowthBytes / 1024 / 1024).toFixed(1)} MiB)`
  );
}

export interface BaselineSummary {
  ratio: number;
  throttled: number;
  createAccessKeyMaxPerSecond: number;
}

export type Summary = Pick<
  RowResult,
  | "ratio"
  | "throttled"
  | "p50Ms"
  | "p99Ms"
  | "cpuMsPerRotation"
  | "redisCmdsPerRotation"
  | "redisRoundTripsPerRotation"
  | "redisMemPerQueuedBytes"
  | "createAccessKeyMaxPerSecond"
  | "vaultCallsPerRotation"
  | "vaultCallsTotalPerRotation"
> & {
  /** Each account's own ratio in the 3-account row of ours at the real limit: each runs at its own rate. */
  perAccountRatio: Record<string, number> | null;
  baselines: {
    bullmq: BaselineSummary | null;
    rateLimiterFlexible: BaselineSummary | null;
  };
  /** The moto row (Secrets Manager); `file` beside it is the file-vault row. */
  fleet: (FleetFigures & { file: FleetFigures | null }) | null;
  vaultQuota: VaultQuotaSummary | null;
};

export interface FleetFigures {
  users: number;
  sweepSeconds: number;
  vaultCallsPerUser: number;
  secretValueReads: number;
  redisBytesPerUser: number;
}

function fleetFigures(row: FleetResult | undefined): FleetFigures | null {
  return row
    ? {
        users: row.users,
        sweepSeconds: row.sweepSeconds,
        vaultCallsPerUser: row.vaultCallsPerUser,
        secretValueReads: row.secretValueReads,
        redisBytesPerUser: row.redisBytesPerUser,
      }
    : null;
}

/** The vault-quota row: its ratio is against the lower of the accounts' CAM limit and the vault's writes pool. */
export type VaultQuotaSummary = Pick<
  RowResult,
  "accounts" | "createLimit" | "vaultWrites" | "rotationsPerSecond" | "ratio" | "throttled"
> & { vaultThrottled: number; maxWritesPerSecond: number; rotationsPerSecondLimit: number };

export function summarizeVaultQuota(rows: RowResult[]): VaultQuotaSummary | null {
  const row = rows.find((each) => each.vaultQuota !== null);
  if (!row?.vaultQuota) return null;
  return {
    accounts: row.accounts,
    createLimit: row.createLimit,
    vaultWrites: row.vaultWrites,
    rotationsPerSecond: row.rotationsPerSecond,
    ratio: row.ratio,
    throttled: row.throttled,
    vaultThrottled: row.vaultQuota.throttled,
    maxWritesPerSecond: row.vaultQuota.maxWritesPerSecond,
    rotationsPerSecondLimit: row.vaultQuota.rotationsPerSecondLimit,
  };
}

/** A headline row: this limiter at the real limit of 5/s with the most processes ours ran, default settings. */
export function headlineRow(rows: RowResult[], limiter: RowResult["limiter"], accounts: number): RowResult | undefined {
  const realLimit = (row: RowResult) => row.createLimit === 5;
  const mostProcesses = Math.max(
    ...rows.filter((row) => row.limiter === "ours" && realLimit(row)).map((row) => row.processes)
  );
  return rows.find(
    (row) =>
      row.limiter === limiter &&
      realLimit(row) &&
      row.accounts === accounts &&
      row.processes === mostProcesses &&
      row.safetyMarginMs === undefined &&
      row.order !== "interleaved" &&
      row.vaultWrites === undefined
  );
}

/** The headline: ours, the real limit of 5/s, the most processes, one account; baselines on the same workload. */
export function summarize(rows: RowResult[], fleet: readonly FleetResult[]): Summary {
  const pick = (limiter: RowResult["limiter"], accounts: number) => headlineRow(rows, limiter, accounts);
  const headline = pick("ours", 1);
  if (!headline) throw new Error("no row of ours at 5/s with one account");
  const baseline = (limiter: RowResult["limiter"]) => {
    const row = pick(limiter, 1);
    return row
      ? { ratio: row.ratio, throttled: row.throttled, createAccessKeyMaxPerSecond: row.createAccessKeyMaxPerSecond }
      : null;
  };
  return {
    ratio: headline.ratio,
    throttled: headline.throttled,
    p50Ms: headline.p50Ms,
    p99Ms: headline.p99Ms,
    cpuMsPerRotation: headline.cpuMsPerRotation,
    redisCmdsPerRotation: headline.redisCmdsPerRotation,
    redisRoundTripsPerRotation: headline.redisRoundTripsPerRotation,
    redisMemPerQueuedBytes: headline.redisMemPerQueuedBytes,
    createAccessKeyMaxPerSecond: headline.createAccessKeyMaxPerSecond,
    vaultCallsPerRotation: headline.vaultCallsPerRotation,
    vaultCallsTotalPerRotation: headline.vaultCallsTotalPerRotation,
    perAccountRatio: pick("ours", 3)?.perAccountRatio ?? null,
    baselines: { bullmq: baseline("bullmq"), rateLimiterFlexible: baseline("rateLimiterFlexible") },
    fleet: (() => {
      const moto = fleetFigures(fleet.find((row) => row.vault === "moto"));
      const file = fleetFigures(fleet.find((row) => row.vault === "file"));
      return moto ? { ...moto, file } : file ? { ...file, file } : null;
    })(),
    vaultQuota: summarizeVaultQuota(rows),
  };
}

export function writeResults(directory: string, document: unknown): string {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  return path;
}
