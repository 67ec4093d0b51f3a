// The benchmark docs, generated from committed results the way pino generates its docs/benchmarks.md: the
// result files under docs/benchmarks/ (bench.json: the document `npm run bench` writes; chaos.json: the chaos
// summary; limiter.jsonl: `npm run bench:limiter --json` lines) become the marked blocks of docs/benchmarks.md
// and README.md. Everything outside the markers is hand-written prose and is kept as it is. The tables come from
// report.ts, so columns added there flow through.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { FleetResult } from "./fleet.js";
import { fleetLine, headlineRow, table, vaultCallLines } from "./report.js";
import type { RowResult } from "./row.js";

/** What `npm run bench` writes to bench/results/ (and, with --save-docs, to docs/benchmarks/bench.json). */
export interface BenchDocument {
  startedAt: string;
  seconds: number;
  quick: boolean;
  vault: string;
  machine: { cpus: number; node: string };
  summary: unknown;
  rows: RowResult[];
  fleet: readonly FleetResult[];
}

export interface DocsPaths {
  /** The repository root; the other paths are relative to it. */
  root: string;
  results?: string;
  benchmarks?: string;
  readme?: string;
}

const DEFAULTS = { results: "docs/benchmarks", benchmarks: "docs/benchmarks.md", readme: "README.md" };
const BENCH_RESULT = "bench.json";
const CHAOS_RESULT = "chaos.json";
const LIMITER_RESULTS = "limiter.jsonl";

/** Where `npm run bench -- --save-docs` puts a run's document. */
export function saveForDocs(root: string, document: BenchDocument): string {
  const path = join(root, DEFAULTS.results, BENCH_RESULT);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  return path;
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->` (each exactly once) with `body`. */
export function replaceBlock(text: string, file: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from || text.indexOf(start, from + 1) >= 0 || text.indexOf(end, to + 1) >= 0) {
    throw new Error(`${file}: expected the markers ${start} and ${end} once each, in that order`);
  }
  return `${text.slice(0, from + start.length)}\n${body.trimEnd()}\n${text.slice(to)}`;
}

const fence = (text: string, language = "") => `\`\`\`${language}\n${text}\n\`\`\``;

function benchCommand(document: BenchDocument): string {
  return [
    "npm run bench --",
    ...(document.quick ? ["--quick"] : []),
    ...(document.vault === "moto" ? [] : ["--vault", document.vault]),
    "--json",
  ].join(" ");
}

function provenance(document: BenchDocument): string {
  return (
    `\`${benchCommand(document)}\`, ${document.seconds} s, started ${document.startedAt}, on ${document.machine.cpus} CPUs ` +
    `(Node ${document.machine.node}; workers, moto, the simulator, Redis and the driver share them).`
  );
}

/** The headline rows: ours and the baselines at CAM's 5/s, one account; ours with three; the vault-quota row. */
function headlineRows(rows: RowResult[]): RowResult[] {
  const picked = [
    headlineRow(rows, "ours", 1),
    headlineRow(rows, "bullmq", 1),
    headlineRow(rows, "rateLimiterFlexible", 1),
    headlineRow(rows, "ours", 3),
    rows.find((row) => row.vaultQuota !== null),
  ];
  return picked.filter((row): row is RowResult => row !== undefined);
}

export function benchBlock(document: BenchDocument): string {
  const lines = [table(document.rows), ...vaultCallLines(document.rows), ...document.fleet.map(fleetLine)];
  return [
    provenance(document),
    "",
    fence(lines.join("\n")),
    "",
    "The `--json` summary:",
    "",
    fence(JSON.stringify(document.summary), "json"),
  ].join("\n");
}

export function readmeBenchBlock(document: BenchDocument): string {
  return [
    `Headline rows of the last committed run (every row, the fleet sweep and what they show:`,
    `[docs/benchmarks.md](docs/benchmarks.md)); ${provenance(document)}`,
    "",
    fence(
      [
        table(headlineRows(document.rows)),
        ...vaultCallLines(headlineRows(document.rows)),
        ...document.fleet.map(fleetLine),
      ].join("\n")
    ),
  ].join("\n");
}

type Flat = Record<string, string | number | boolean | null>;

/** Nested objects become dotted names, so fields the chaos suite adds show up without a change here. */
function flatten(value: Record<string, unknown>, prefix = ""): Flat {
  const flat: Flat = {};
  for (const [name, each] of Object.entries(value)) {
    if (each !== null && typeof each === "object" && !Array.isArray(each))
      Object.assign(flat, flatten(each as Record<string, unknown>, `${prefix}${name}.`));
    else flat[`${prefix}${name}`] = Array.isArray(each) ? JSON.stringify(each) : (each as Flat[string]);
  }
  return flat;
}

function markdownTable(records: Flat[]): string {
  const columns = [...new Set(records.flatMap((record) => Object.keys(record)))];
  const cell = (value: Flat[string] | undefined) => (value === undefined || value === null ? "-" : String(value));
  return [
    `| ${columns.join(" | ")} |`,
    `|${columns.map(() => "---").join("|")}|`,
    ...records.map((record) => `| ${columns.map((column) => cell(record[column])).join(" | ")} |`),
  ].join("\n");
}

function chaosCommand(chaos: Flat): string {
  return `npm run chaos -- --iterations ${chaos.iterations} --seed ${chaos.seed} --json`;
}

export function chaosBlock(chaos: Record<string, unknown>): string {
  const flat = flatten(chaos);
  return [
    `\`${chaosCommand(flat)}\` (the seed replays the random choices, not the timing):`,
    "",
    markdownTable(Object.entries(flat).map(([figure, value]) => ({ figure, value }))),
  ].join("\n");
}

export function readmeChaosBlock(chaos: Record<string, unknown>): string {
  const flat = flatten(chaos);
  return (
    `Last committed run, \`${chaosCommand(flat)}\`: ${flat.rotations} rotations, ${flat.kills} worker kills, ` +
    `${flat.faults} injected faults, ${flat.motoRestarts} moto and ${flat.redisRestarts} Redis restarts, ${flat.configDrifts} config ` +
    `drifts; **${flat.violations} violations, ${flat["secretScan.hits"]} secret hits** ` +
    "(every figure: [docs/benchmarks.md](docs/benchmarks.md#chaos))."
  );
}

export function limiterBlock(runs: Record<string, unknown>[]): string {
  const flats = runs.map((run) => flatten(run));
  return [
    markdownTable(flats),
    "",
    "Each line: `npm run bench:limiter -- --processes P --limit L --seconds S --json`.",
  ].join("\n");
}

const placeholder = {
  bench:
    "No committed benchmark result yet: run `npm run bench -- --save-docs` (the full run), then `npm run bench:docs`.",
  chaos:
    `No committed chaos result yet: run \`npm run chaos -- --iterations 100 --json | tail -n 1 > ${DEFAULTS.results}/${CHAOS_RESULT}\`, ` +
    "then `npm run bench:docs`.",
  limiter:
    "No committed limiter result yet: append `npm run bench:limiter -- ... --json | tail -n 1` lines to " +
    `\`${DEFAULTS.results}/${LIMITER_RESULTS}\`, then run \`npm run bench:docs\`.`,
};

function readJson(path: string, root: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`${relative(root, path)}: not a JSON document (${(error as Error).message})`);
  }
}

function parseLine(line: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new Error(`${where}: not a JSON line (${(error as Error).message})`);
  }
  return asObject(value, where);
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`${where}: expected a JSON object, got ${JSON.stringify(value)?.slice(0, 60)}`);
  }
  return value as Record<string, unknown>;
}

function readBench(path: string, root: string): BenchDocument {
  const where = relative(root, path);
  const document = asObject(readJson(path, root), where);
  if (!Array.isArray(document.rows) || document.rows.length === 0) {
    throw new Error(
      `${where}: rows: expected the rows of a bench run, got ${JSON.stringify(document.rows)?.slice(0, 60)}`
    );
  }
  if (!Array.isArray(document.fleet)) {
    throw new Error(
      `${where}: fleet: expected the fleet sweeps of a bench run (a list), got ${JSON.stringify(document.fleet)?.slice(0, 60)}`
    );
  }
  const summary = asObject(document.summary, `${where}: summary`);
  if ("only" in summary) {
    throw new Error(
      `${where}: summary.only: a single row (--only ${JSON.stringify(summary.only)}) has no headline; save a full or --quick run`
    );
  }
  return document as unknown as BenchDocument;
}

/** Renders a block, naming the result file when its content does not fit (a document of another shape). */
function render<T>(where: string, input: T, draw: (input: T) => string): string {
  try {
    return draw(input);
  } catch (error) {
    throw new Error(
      `${where}: does not render (${(error as Error).message}); was it written by the command the docs name?`
    );
  }
}

/**
 * Regenerates the marked blocks of docs/benchmarks.md and README.md from the committed results. Validates and
 * renders everything before writing anything; returns the files whose text changed (none on a second run).
 */
export function generateBenchDocs(paths: DocsPaths): string[] {
  const { root } = paths;
  const at = (path: string) => join(root, path);
  const resultsDir = at(paths.results ?? DEFAULTS.results);
  const result = (name: string) => join(resultsDir, name);
  const shown = (name: string) => relative(root, result(name));

  const bench = existsSync(result(BENCH_RESULT)) ? readBench(result(BENCH_RESULT), root) : null;
  const chaos = existsSync(result(CHAOS_RESULT))
    ? asObject(readJson(result(CHAOS_RESULT), root), shown(CHAOS_RESULT))
    : null;
  const limiter = existsSync(result(LIMITER_RESULTS))
    ? readFileSync(result(LIMITER_RESULTS), "utf8")
        .split("\n")
        .map((line, index) => [line.trim(), index + 1] as const)
        .filter(([line]) => line !== "")
        .map(([line, number]) => parseLine(line, `${shown(LIMITER_RESULTS)}:${number}`))
    : null;

  const blocks = {
    docs: {
      limiter:
        limiter && limiter.length > 0 ? render(shown(LIMITER_RESULTS), limiter, limiterBlock) : placeholder.limiter,
      bench: bench ? render(shown(BENCH_RESULT), bench, benchBlock) : placeholder.bench,
      chaos: chaos ? render(shown(CHAOS_RESULT), chaos, chaosBlock) : placeholder.chaos,
    },
    readme: {
      bench: bench ? render(shown(BENCH_RESULT), bench, readmeBenchBlock) : placeholder.bench,
      chaos: chaos ? render(shown(CHAOS_RESULT), chaos, readmeChaosBlock) : placeholder.chaos,
    },
  };
  const targets: Array<[string, Record<string, string>]> = [
    [paths.benchmarks ?? DEFAULTS.benchmarks, blocks.docs],
    [paths.readme ?? DEFAULTS.readme, blocks.readme],
  ];
  const rewritten = targets.map(([file, named]) => {
    const before = readFileSync(at(file), "utf8");
    const after = Object.entries(named).reduce((text, [name, body]) => replaceBlock(text, file, name, body), before);
    return { file, before, after };
  });
  const changed = rewritten.filter(({ before, after }) => before !== after);
  for (const { file, after } of changed) writeFileSync(at(file), after);
  return changed.map(({ file }) => file);
}
