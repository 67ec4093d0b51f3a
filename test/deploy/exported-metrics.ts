// The names a daemon's /metrics can carry, read off a real registry (default metrics and every optional gauge on),
// so deploy/ files can be checked against what is exported rather than against a list kept by hand.
import { createMetrics } from "../../src/daemon/metrics.js";

export async function exportedMetricNames(): Promise<Set<string>> {
  const metrics = createMetrics({
    queueCounts: async () => ({}),
    flags: async () => [],
    oldestKeyAgeSeconds: async () => ({}),
    ready: async () => true,
    maxKeyAgeSeconds: { main: 1 },
    preexistingKeysInUse: async () => ({}),
  });
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    // Histograms and summaries are queried through their series suffixes.
    if (String(metric.type) === "histogram")
      for (const suffix of ["_bucket", "_sum", "_count"]) names.add(metric.name + suffix);
  }
  return names;
}

/** Every cam_rotator_* metric a PromQL expression names. */
export function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\bcam_rotator_[a-z0-9_]+/g)].map((match) => match[0]);
}
