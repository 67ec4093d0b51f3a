// The Grafana dashboard queries only what the daemon exports: a renamed metric would leave a panel silently empty.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { exportedMetricNames, metricsIn } from "./exported-metrics.js";

interface Panel {
  title: string;
  type: string;
  targets?: Array<{ expr: string }>;
  datasource?: { uid: string };
}
const dashboard = JSON.parse(readFileSync("deploy/grafana/cam-rotator.json", "utf8")) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: unknown }> };
};

const queries = [
  ...dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ where: panel.title, expr: target.expr }))
  ),
  ...dashboard.templating.list.map((variable) => ({
    where: `variable ${variable.name}`,
    expr: JSON.stringify(variable.query),
  })),
];

describe("Grafana dashboard (deploy/grafana/cam-rotator.json)", () => {
  it("queries only metrics the daemon exports", async () => {
    const exported = await exportedMetricNames();
    const unknown = queries.flatMap(({ where, expr }) =>
      metricsIn(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`)
    );
    expect(unknown).toEqual([]);
  });

  it("has a query in every panel, on the dashboard's data source variable", () => {
    const panels = dashboard.panels.filter((panel) => panel.type !== "row");
    expect(panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      expect(panel.datasource?.uid, panel.title).toBe("${datasource}");
      for (const target of panel.targets ?? []) expect(metricsIn(target.expr).length, panel.title).toBeGreaterThan(0);
    }
  });

  it("shows what needs an operator: readiness, failed jobs, pending flags, held retirements", () => {
    const all = queries.map((query) => query.expr).join("\n");
    for (const name of [
      "cam_rotator_ready",
      'cam_rotator_queue_jobs{state="failed"}',
      "cam_rotator_flagged_keys",
      "cam_rotator_retirements_held_total",
      "cam_rotator_oldest_current_key_age_seconds",
    ]) {
      expect(all).toContain(name);
    }
  });
});
