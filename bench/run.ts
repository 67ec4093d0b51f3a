// The end-to-end benchmark: real worker processes (`node dist/cli.js worker`, or the baselines' entry with the
// limiter swapped) rotate a fleet against the CAM simulator (strict rolling windows) with a private redis-server
// and a private moto (the AWS Secrets Manager vault; --vault file for the encrypted file vault).
//   npm run bench                    every configuration and the fleet sweeps: 100,000 users in the file vault,
//                                    2,000 in moto (--fleet-users, --fleet-moto-users) (~10 min on 2 cores)
//   npm run bench -- --quick --json  five rows and a 20,000-user fleet sweep (~2 min); the last line is JSON
//   npm run bench -- --only vault-quota --json   one row by name (names: --list), no fleet sweep
//   npm run bench -- --save-docs     also keep the results as docs/benchmarks/bench.json (then: npm run bench:docs)
// Progress goes to stderr; the table to stdout; the full results to bench/results/bench-<time>.json.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureFreshBuild } from "../test/build-freshness.js";
import { saveForDocs, type BenchDocument } from "./docs.js";
import { startMotoServer } from "../test/support/services.js";
import { runFleetSweep, type FleetResult } from "./fleet.js";
import { fleetLine, summarize, summarizeVaultQuota, table, vaultCallLines, writeResults } from "./report.js";
import { startWorld, type VaultKind } from "./rig.js";
import { runRow, type RowResult, type RowSpec } from "./row.js";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    vault: { type: "string", default: "moto" },
    "fleet-users": { type: "string" },
    "fleet-moto-users": { type: "string" },
    only: { type: "string" },
    list: { type: "boolean", default: false },
    "save-docs": { type: "boolean", default: false },
  },
});
const usage = (message: string): never => {
  process.stderr.write(
    `bench: ${message}\nusage: npm run bench -- [--quick] [--json] [--vault moto|file] [--fleet-users N] [--fleet-moto-users N] [--only ROW] [--list] [--save-docs]\n`
  );
  process.exit(2);
};
if (flags.vault !== "moto" && flags.vault !== "file")
  usage(`--vault: expected moto or file, got ${JSON.stringify(flags.vault)}`);
const fleetUsers =
  flags["fleet-users"] === undefined
    ? flags.only !== undefined
      ? 0
      : flags.quick
        ? 20_000
        : 100_000
    : Number(flags["fleet-users"]);
if (!Number.isInteger(fleetUsers) || fleetUsers < 0)
  usage(`--fleet-users: expected a whole number, got ${JSON.stringify(flags["fleet-users"])}`);
// The docs show a run's headline rows, which one row alone does not have.
if (flags["save-docs"] && flags.only !== undefined)
  usage(`--save-docs: needs a full or --quick run, not --only ${JSON.stringify(flags.only)}`);
// moto's ListSecrets scans (and serializes) every stored secret for each page, and its CreateSecret slows as the
// store grows, so the moto row runs a smaller fleet than the file row (docs/benchmarks.md: figures for both).
const fleetMotoUsers =
  flags["fleet-moto-users"] === undefined
    ? Math.min(fleetUsers, flags.quick ? 1_000 : 2_000)
    : Number(flags["fleet-moto-users"]);
if (!Number.isInteger(fleetMotoUsers) || fleetMotoUsers < 0)
  usage(`--fleet-moto-users: expected a whole number, got ${JSON.stringify(flags["fleet-moto-users"])}`);

/** At the real limit a row is ~12 s of rotations; the scaled rows are capped by time (the ratio is a rate). */
function plan(quick: boolean): RowSpec[] {
  const real = (limiter: RowSpec["limiter"], processes: number, accounts: number, seconds: number): RowSpec => ({
    limiter,
    processes,
    accounts,
    createLimit: 5,
    usersPerAccount: 5 * seconds,
    maxSeconds: 4 * seconds + 30,
  });
  const scaled = (processes: number, accounts: number, users: number, maxSeconds: number): RowSpec => ({
    limiter: "ours",
    processes,
    accounts,
    createLimit: 100,
    usersPerAccount: users,
    maxSeconds,
  });
  // Four accounts at 5/s could start 20 rotations/s; the vault's writes pool, scaled from AWS's 50/s to 15/s so
  // that two cores keep up, takes 15 / 3 = 5. The ratio is against that lower limit.
  const vaultQuotaRow: RowSpec = {
    limiter: "ours",
    processes: 2,
    accounts: 4,
    createLimit: 5,
    usersPerAccount: 15,
    maxSeconds: 90,
    vaultWrites: 15,
  };
  if (quick) {
    return [
      real("ours", 4, 1, 8),
      real("bullmq", 4, 1, 8),
      real("rateLimiterFlexible", 4, 1, 8),
      real("ours", 4, 3, 6),
      scaled(4, 1, 200, 8),
      vaultQuotaRow,
    ];
  }
  const rows: RowSpec[] = [];
  for (const accounts of [1, 3]) {
    for (const processes of [1, 2, 4]) rows.push(real("ours", processes, accounts, 12));
    rows.push(real("bullmq", 4, accounts, 12), real("rateLimiterFlexible", 4, accounts, 12));
  }
  // The headline workloads again, varied: a wider limiter.safetyMargin (how much of the throttling is send-time
  // jitter), and three accounts' backlogs interleaved instead of one block per account.
  rows.push(
    { ...real("ours", 4, 1, 12), safetyMarginMs: 25 },
    { ...real("ours", 4, 3, 12), order: "interleaved" },
    vaultQuotaRow
  );
  for (const accounts of [1, 3]) {
    for (const processes of [1, 2, 4]) rows.push(scaled(processes, accounts, accounts === 1 ? 250 : 100, 10));
  }
  return rows;
}

/** A row's name for --only: "ours-4p-1a-5", "ours-4p-1a-5-margin25", "ours-4p-3a-5-interleaved", "vault-quota". */
function rowName(spec: RowSpec): string {
  if (spec.vaultWrites !== undefined) return "vault-quota";
  return [
    `${spec.limiter}-${spec.processes}p-${spec.accounts}a-${spec.createLimit}`,
    ...(spec.safetyMarginMs === undefined ? [] : [`margin${spec.safetyMarginMs}`]),
    ...(spec.order === "interleaved" ? ["interleaved"] : []),
  ].join("-");
}

const planned = plan(flags.quick);
if (flags.list) {
  process.stdout.write(`${[...new Set(planned.map(rowName))].join("\n")}\n`);
  process.exit(0);
}
const specs = flags.only === undefined ? planned : planned.filter((spec) => rowName(spec) === flags.only);
if (specs.length === 0) usage(`--only: no row named ${JSON.stringify(flags.only)}; --list shows the names`);

const log = (line: string) => process.stderr.write(`${line}\n`);
// The workers run dist/cli.js: rebuild it first if src/ is newer.
ensureFreshBuild();
const started = Date.now();
const world = await startWorld({ vault: flags.vault as VaultKind });
const rows: RowResult[] = [];
const fleet: FleetResult[] = [];
try {
  for (const [index, spec] of specs.entries()) {
    log(
      `bench: row ${index + 1}/${specs.length} (${rowName(spec)}): ${spec.limiter}, ${spec.processes} process(es), ` +
        `${spec.accounts} account(s), ${spec.createLimit}/s, ${spec.accounts * spec.usersPerAccount} users`
    );
    const { result } = await runRow(world, spec, `row${index + 1}`, log);
    rows.push(result);
    log(
      `  ratio ${result.ratio}, throttled ${result.throttled}, p99 ${result.p99Ms} ms, ${result.cpuMsPerRotation} cpu ms/rotation` +
        (result.vaultQuota
          ? `, vault throttled ${result.vaultQuota.throttled}, max writes/1s ${result.vaultQuota.maxWritesPerSecond}`
          : "")
    );
  }
  if (fleetMotoUsers > 0) {
    log(`bench: fleet sweep over ${fleetMotoUsers} users in moto (Secrets Manager)`);
    // The fleet row always runs against moto; a --vault file run starts one for it.
    const moto = world.moto ? undefined : await startMotoServer();
    try {
      fleet.push(await runFleetSweep(moto ? { ...world, moto } : world, fleetMotoUsers, "moto", log));
    } finally {
      await moto?.stop();
    }
  }
  if (fleetUsers > 0) {
    log(`bench: fleet sweep over ${fleetUsers} users in the file vault`);
    fleet.push(await runFleetSweep(world, fleetUsers, "file", log));
  }
} finally {
  await world.close();
}

// One row alone has no headline; its own summary then.
const summary =
  flags.only === undefined
    ? summarize(rows, fleet)
    : { only: flags.only, rows: rows.length, vaultQuota: summarizeVaultQuota(rows) };
const document: BenchDocument = {
  startedAt: new Date(started).toISOString(),
  seconds: Math.round((Date.now() - started) / 1000),
  quick: flags.quick,
  vault: flags.vault,
  machine: { cpus: (await import("node:os")).cpus().length, node: process.version },
  summary,
  rows,
  fleet,
};
const path = writeResults(join(import.meta.dirname, "results"), document);
if (flags["save-docs"])
  process.stderr.write(
    `bench: saved ${saveForDocs(join(import.meta.dirname, ".."), document)}; npm run bench:docs renders it\n`
  );
process.stdout.write(`${table(rows)}\n`);
for (const line of vaultCallLines(rows)) process.stdout.write(`${line}\n`);
for (const row of fleet) process.stdout.write(`${fleetLine(row)}\n`);
process.stdout.write(`results: ${path} (${Math.round((Date.now() - started) / 1000)} s)\n`);
if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
