// Issue 14, item 2: the engine (src/jobs) speaks the ports' language. CAM's and the vault's internals stay in
// src/cam and src/vault: no Tencent or AWS error code, no reading of time texts, no limiter class.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const JOBS = join(import.meta.dirname, "../../src/jobs");

function sources(dir: string): Array<{ file: string; text: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [{ file: relative(JOBS, path), text: readFileSync(path, "utf8") }] : [];
  });
}

/** `file:line: text` for every line of src/jobs matching `pattern`. */
function offending(pattern: RegExp): string[] {
  return sources(JOBS).flatMap(({ file, text }) =>
    text.split("\n").flatMap((line, index) => (pattern.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : []))
  );
}

describe("src/jobs knows CAM and the vault only through their ports", () => {
  it("reads real sources (the checks below would pass on an empty list)", () => {
    expect(sources(JOBS).length).toBeGreaterThan(20);
  });

  it('names no Tencent error code ("Group.Detail") and no AWS exception: ports answer with typed outcomes', () => {
    expect(offending(/["'`][A-Z][a-zA-Z]*\.[A-Z][a-zA-Z]*["'`]/)).toEqual([]);
    expect(offending(/["'`][A-Za-z]*Exception["'`]/)).toEqual([]);
  });

  it("parses no time text: CAM's times and the vault document's arrive as epoch milliseconds", () => {
    expect(offending(/Date\.parse\(|Date\.UTC\(|parseCamTime|parseCamDay|time-text\.js/)).toEqual([]);
    expect(offending(/\\d\{4\}-\\d\{2\}/)).toEqual([]); // a date pattern written out
  });

  it("knows deferrals as the ports declare them (CamDeferral, VaultDeferral), not as the limiters raise them", () => {
    expect(offending(/LimiterDeferral|VaultQuotaDeferral/)).toEqual([]);
  });
});
