// The alert rules parse (promtool check rules), fire and stay quiet when they should (promtool test rules), and
// name only metrics the daemon exports. promtool comes from Debian's prometheus package; .ci/run installs it.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { exportedMetricNames, metricsIn } from "./exported-metrics.js";

const DIR = "deploy/prometheus";
const RULES = "cam-rotator.rules.yml";

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync("promtool", args, { cwd: DIR, encoding: "utf8", timeout: 60_000 });
  if (run.error) {
    throw new Error(`promtool is required for these tests (apt-get install prometheus): ${run.error.message}`);
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

interface Rule {
  alert: string;
  expr: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
}
const rules = (parse(readFileSync(`${DIR}/${RULES}`, "utf8")) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap(
  (group) => group.rules
);

describe("Prometheus alert rules (deploy/prometheus)", () => {
  it("pass promtool check rules", () => {
    const result = promtool("check", "rules", RULES);
    expect(result.output).toContain("SUCCESS");
    expect(result.status).toBe(0);
  });

  it("pass their promtool unit tests", () => {
    const result = promtool("test", "rules", "cam-rotator.rules.test.yml");
    expect(result.output).toContain("SUCCESS");
    expect(result.status).toBe(0);
  });

  it("cover what on-call must act on, each with a summary, a severity and a runbook anchor in the README", () => {
    expect(rules.map((rule) => rule.alert).sort()).toEqual([
      "CamRotatorConfigDrift",
      "CamRotatorFlagWaiting",
      "CamRotatorKeyNearMaxAge",
      "CamRotatorMissedSlotsRising",
      "CamRotatorNoWorkerReady",
      "CamRotatorQueueNotDraining",
      "CamRotatorRecordRejected",
      "CamRotatorRetirementHeld",
      "CamRotatorRotationFailed",
      "CamRotatorThrottled",
      "CamRotatorUnknownAccountJobs",
      "CamRotatorVaultAlert",
    ]);
    const readme = readFileSync("README.md", "utf8");
    for (const rule of rules) {
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(["warning", "critical"], rule.alert).toContain(rule.labels.severity);
      const anchor = rule.annotations.runbook_url?.split("#")[1];
      expect(anchor, rule.alert).toBe(rule.alert.toLowerCase().replace(/^/, "alert-"));
      // GitHub-style anchor of a "#### Alert: CamRotator..." heading.
      expect(readme, `README heading for ${rule.alert}`).toContain(`#### Alert: ${rule.alert}\n`);
    }
  });

  it("name only metrics the daemon exports", async () => {
    const exported = await exportedMetricNames();
    const unknown = rules.flatMap((rule) =>
      metricsIn(rule.expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${rule.alert}: ${name}`)
    );
    expect(unknown).toEqual([]);
  });
});
