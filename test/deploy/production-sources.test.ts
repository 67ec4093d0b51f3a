// What ships in dist/ is the product only: every module in src/ serves the `cam-rotator` binary, and every
// environment variable src/ reads is one the README documents for operators. Test, benchmark and chaos
// scaffolding (invariant checkers, service starters, probes, switches) lives in test/, bench/ and chaos/.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve("src");
const ENTRY = join(SRC, "cli.ts");
/** The simulator's library face: tests, bench, chaos and the demo import it; the binary runs the same code. */
const OTHER_ENTRIES = [join(SRC, "cam/simulator/index.ts")];
/** Set by the rotator for the AWS SDK (it silences a warning), not a setting anyone passes in. */
const SET_NOT_READ = new Set(["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"]);
/** The crash switch (jobs/crash-switch.ts) is being turned into a test seam (issue 14); drop this with it. */
const BEING_REMOVED = new Set(["CAM_ROTATOR_CRASH_AFTER"]);

const sources = readdirSync(SRC, { recursive: true, encoding: "utf8" })
  .filter((path) => path.endsWith(".ts"))
  .map((path) => join(SRC, path));

/** Relative static, side-effect and dynamic imports, resolved to the .ts files they name. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)"(\.{1,2}\/[^"]+)"/g)].map((match) =>
    resolve(dirname(file), match[1]!.replace(/\.js$/, ".ts"))
  );
}

function reachableFrom(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...entries];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    todo.push(...importsOf(file));
  }
  return seen;
}

describe("production sources", () => {
  it("has no module that only tests, benchmarks or the demo use: all of src/ is reachable from the binary", () => {
    expect(sources.length).toBeGreaterThan(100);
    const reachable = reachableFrom([ENTRY, ...OTHER_ENTRIES]);
    for (const file of reachable) expect(sources, `${relative(".", file)} is imported but missing`).toContain(file);
    expect(sources.filter((file) => !reachable.has(file)).map((file) => relative(".", file))).toEqual([]);
  });

  it("reads only environment variables the README documents", () => {
    const readme = readFileSync("README.md", "utf8");
    const named = new Set(
      sources.flatMap((file) => {
        const text = readFileSync(file, "utf8");
        return [...text.matchAll(/\benv\.([A-Z][A-Z0-9_]*)|"(CAM_ROTATOR_[A-Z0-9_]+)"/g)].map(
          (match) => match[1] ?? match[2]!
        );
      })
    );
    expect([...named]).toEqual(expect.arrayContaining(["CAM_ROTATOR_CONFIG", "CAM_ROTATOR_RECORD_KEY", "REDIS_URL"]));
    const undocumented = [...named]
      .filter((name) => !SET_NOT_READ.has(name) && !BEING_REMOVED.has(name))
      .filter((name) => !readme.includes(`\`${name}\``));
    expect(undocumented).toEqual([]);
  });
});
