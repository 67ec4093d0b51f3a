// `npm run bench:docs`: committed results become the marked blocks of docs/benchmarks.md and README.md, the prose
// around them stays, a second run changes nothing, and a result file of the wrong shape is refused before anything
// is written. The last test holds the repository's own docs to its committed results.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateBenchDocs, type BenchDocument } from "../../bench/docs.js";
import type { RowResult } from "../../bench/row.js";

function row(spec: Partial<RowResult> & Pick<RowResult, "limiter" | "processes" | "accounts" | "ratio">): RowResult {
  return {
    createLimit: 5,
    usersPerAccount: 60,
    maxSeconds: 78,
    rotations: 60 * spec.accounts,
    failed: 0,
    seconds: 12,
    rotationsPerSecond: spec.ratio * 5 * spec.accounts,
    vaultQuota: null,
    perAccountRatio: {},
    throttled: 0,
    throttledByAction: {},
    createAccessKeyMaxPerSecond: 5,
    p50Ms: 600,
    p99Ms: 650,
    cpuMsPerRotation: 55.3,
    redisCmdsPerRotation: 205.4,
    redisRoundTripsPerRotation: 66.2,
    redisCmdsByCommandPerRotation: {},
    redisMemPerQueuedBytes: 1042,
    redisCpuMsPerRotation: 3,
    vaultCpuMsPerRotation: 45.3,
    camCallsPerRotation: 4.2,
    backlogLeft: 0,
    vaultCallsPerRotation: null,
    vaultCallsTotalPerRotation: null,
    vaultConnectionsPerRotation: null,
    ...spec,
  };
}

const FIXTURE: BenchDocument = {
  startedAt: "2026-12-01T10:00:00.000Z",
  seconds: 415,
  quick: false,
  vault: "moto",
  machine: { cpus: 2, node: "v20.20.0" },
  summary: { ratio: 0.988, throttled: 0 },
  rows: [
    row({ limiter: "ours", processes: 1, accounts: 1, ratio: 0.911 }),
    row({ limiter: "ours", processes: 4, accounts: 1, ratio: 0.988 }),
    row({
      limiter: "bullmq",
      processes: 4,
      accounts: 1,
      ratio: 0.849,
      rotationsPerSecond: 4.25,
      throttled: 52,
      createAccessKeyMaxPerSecond: 12,
    }),
    row({
      limiter: "rateLimiterFlexible",
      processes: 4,
      accounts: 1,
      ratio: 0.786,
      throttled: 43,
      createAccessKeyMaxPerSecond: 10,
    }),
    row({ limiter: "ours", processes: 4, accounts: 3, ratio: 0.989 }),
    row({ limiter: "ours", processes: 4, accounts: 3, ratio: 0.987, order: "interleaved" }),
    row({
      limiter: "ours",
      processes: 2,
      accounts: 4,
      ratio: 0.984,
      usersPerAccount: 15,
      vaultWrites: 15,
      vaultQuota: { throttled: 0, maxWritesPerSecond: 15, rotationsPerSecondLimit: 5 },
    }),
    row({ limiter: "ours", processes: 4, accounts: 1, ratio: 0.161, createLimit: 100, usersPerAccount: 250 }),
  ],
  fleet: [
    {
      vault: "file",
      users: 100_000,
      planSeconds: 13,
      enqueueSeconds: 31.1,
      sweepSeconds: 44.1,
      enqueuedPerSecond: 3211,
      vaultCallsPerUser: 0.01,
      vaultCalls: 1_000,
      secretValueReads: 0,
      camCalls: 0,
      seedSeconds: 20,
      redisBytes: 85_878_374,
      redisBytesPerUser: 858,
      usedMemoryGrowthBytes: 93_113_958,
      redisCmdsPerUser: 9,
    },
  ],
};

const CHAOS = {
  iterations: 3,
  kills: 5,
  faults: 17,
  rotations: 54,
  secretScan: { keysRead: 120, hits: 0 },
  violations: 0,
  seconds: 40,
  seed: 42,
};

const README =
  "# project\n\nintro prose\n\n## Performance\n\nwhat the figures mean\n\n<!-- bench:start -->\nold figures\n" +
  "<!-- bench:end -->\n\n## Reliability\n\n<!-- chaos:start -->\n<!-- chaos:end -->\n\nafter prose\n";
const DOCS =
  "# Benchmarks\n\nhand-written intro\n\n<!-- limiter:start -->\n<!-- limiter:end -->\n\n<!-- bench:start -->\n" +
  "<!-- bench:end -->\n\nwhy the baselines lose\n\n<!-- chaos:start -->\n<!-- chaos:end -->\n\nchaos prose\n";

let root: string;
const read = (path: string) => readFileSync(join(root, path), "utf8");
const block = (text: string, name: string) =>
  text.slice(text.indexOf(`<!-- ${name}:start -->`), text.indexOf(`<!-- ${name}:end -->`));

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "bench-docs-"));
  mkdirSync(join(root, "docs/benchmarks"), { recursive: true });
  writeFileSync(join(root, "README.md"), README);
  writeFileSync(join(root, "docs/benchmarks.md"), DOCS);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("bench:docs", () => {
  it("renders every row into docs/benchmarks.md and the headline rows into the README, keeping the prose", () => {
    writeFileSync(join(root, "docs/benchmarks/bench.json"), JSON.stringify(FIXTURE));
    writeFileSync(join(root, "docs/benchmarks/chaos.json"), JSON.stringify(CHAOS));
    writeFileSync(
      join(root, "docs/benchmarks/limiter.jsonl"),
      '{"processes":4,"limit":5,"seconds":10,"admitted":50,"maxInAnyWindow":5}\n{"processes":1,"limit":500,"seconds":10,"admitted":4903,"maxInAnyWindow":497}\n'
    );

    expect(generateBenchDocs({ root }).sort()).toEqual(["README.md", "docs/benchmarks.md"]);

    const docs = read("docs/benchmarks.md");
    const all = block(docs, "bench");
    for (const ratio of ["0.911", "0.988", "0.849", "0.786", "0.989", "0.987", "0.984", "0.161"])
      expect(all).toContain(ratio);
    expect(all).toMatch(/^bullmq +4 +1 +5 +60 +60 +4\.25 +0\.849 +52 +- +12 /m);
    expect(all).toContain("ours (vault 15 writes/s)");
    expect(all).toContain("ours (interleaved)");
    expect(all).toContain(
      "fleet sweep (file): 100000 users planned in 13 s and enqueued in 31.1 s with 0.01 vault calls per user, 0 secret values read, 0 CAM calls (3211/s)"
    );
    expect(all).toContain("`npm run bench -- --json`, 415 s, started 2026-12-01T10:00:00.000Z, on 2 CPUs");
    expect(all).toContain('{"ratio":0.988,"throttled":0}');
    expect(block(docs, "limiter")).toContain("| 1 | 500 | 10 | 4903 | 497 |");
    expect(block(docs, "chaos")).toContain("| secretScan.hits | 0 |");
    expect(block(docs, "chaos")).toContain("npm run chaos -- --iterations 3 --seed 42 --json");
    for (const prose of ["hand-written intro", "why the baselines lose", "chaos prose"]) expect(docs).toContain(prose);

    const readme = read("README.md");
    const headline = block(readme, "bench");
    expect(headline).not.toContain("old figures");
    // ours, bullmq and rate-limiter-flexible at 5/s with 4 processes, ours with 3 accounts, the vault-quota row.
    for (const ratio of ["0.988", "0.849", "0.786", "0.989", "0.984"]) expect(headline).toContain(ratio);
    // Not the single-process row, the interleaved variant or the scaled row: those are in docs/benchmarks.md.
    for (const ratio of ["0.911", "0.987", "0.161"]) expect(headline).not.toContain(ratio);
    expect(headline).toContain("npm run bench -- --json");
    expect(block(readme, "chaos")).toContain("54 rotations, 5 worker kills, 17 injected faults");
    expect(block(readme, "chaos")).toContain("**0 violations, 0 secret hits**");
    for (const prose of ["intro prose", "what the figures mean", "after prose"]) expect(readme).toContain(prose);
  });

  it("is idempotent: a second run changes nothing", () => {
    writeFileSync(join(root, "docs/benchmarks/bench.json"), JSON.stringify(FIXTURE));
    writeFileSync(join(root, "docs/benchmarks/chaos.json"), JSON.stringify(CHAOS));
    generateBenchDocs({ root });
    const [readme, docs] = [read("README.md"), read("docs/benchmarks.md")];
    expect(generateBenchDocs({ root })).toEqual([]);
    expect(read("README.md")).toBe(readme);
    expect(read("docs/benchmarks.md")).toBe(docs);
  });

  it("leaves a placeholder that says how to produce a result when none is committed", () => {
    generateBenchDocs({ root });
    expect(block(read("README.md"), "bench")).toContain("npm run bench:docs");
    expect(block(read("README.md"), "bench")).not.toContain("old figures");
    expect(block(read("docs/benchmarks.md"), "chaos")).toContain("npm run bench:docs");
  });

  it("refuses a result file of the wrong shape, naming it, and writes nothing", () => {
    const cases: Array<[string, string, RegExp]> = [
      ["bench.json", "{not json", /docs\/benchmarks\/bench\.json: not a JSON document/],
      [
        "bench.json",
        JSON.stringify({ ...FIXTURE, rows: [] }),
        /docs\/benchmarks\/bench\.json: rows: expected the rows of a bench run, got \[\]/,
      ],
      [
        "bench.json",
        JSON.stringify({ ...FIXTURE, summary: { only: "vault-quota", rows: 1 } }),
        /summary\.only: a single row \(--only "vault-quota"\)/,
      ],
      [
        "bench.json",
        JSON.stringify({ ...FIXTURE, rows: [{ limiter: "ours" }] }),
        /docs\/benchmarks\/bench\.json: does not render/,
      ],
      ["chaos.json", "[1,2]", /docs\/benchmarks\/chaos\.json: expected a JSON object, got \[1,2\]/],
      ["limiter.jsonl", '{"processes":4}\nnot json\n', /docs\/benchmarks\/limiter\.jsonl:2: not a JSON line/],
    ];
    for (const [file, content, message] of cases) {
      rmSync(join(root, "docs/benchmarks"), { recursive: true });
      mkdirSync(join(root, "docs/benchmarks"));
      writeFileSync(join(root, "docs/benchmarks", file), content);
      expect(() => generateBenchDocs({ root }), file).toThrow(message);
      expect(read("README.md")).toBe(README);
      expect(read("docs/benchmarks.md")).toBe(DOCS);
    }
  });

  it("refuses a target without its markers", () => {
    writeFileSync(join(root, "README.md"), "# project\n\n<!-- bench:start -->\n");
    expect(() => generateBenchDocs({ root })).toThrow(
      "README.md: expected the markers <!-- bench:start --> and <!-- bench:end --> once each"
    );
    expect(read("docs/benchmarks.md")).toBe(DOCS);
  });

  it("the repository's README and docs/benchmarks.md are what its committed results generate", () => {
    const repo = join(import.meta.dirname, "../..");
    cpSync(join(repo, "docs"), join(root, "docs"), { recursive: true });
    cpSync(join(repo, "README.md"), join(root, "README.md"));
    expect(generateBenchDocs({ root }), "run npm run bench:docs and commit the result").toEqual([]);
  });
});
