import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/daemon/metrics.js";

const sources = {
  queueCounts: async () => ({ waiting: 2, active: 1, delayed: 5, failed: 0 }),
  flags: async () => [
    {
      account: "main",
      uin: 11,
      accessKeyId: "AKIDa",
      reason: "foreign-key" as const,
      flaggedAt: 1,
      status: "pending" as const,
    },
    {
      account: "main",
      uin: 12,
      accessKeyId: "AKIDb",
      reason: "foreign-key" as const,
      flaggedAt: 2,
      status: "pending" as const,
    },
  ],
  oldestKeyAgeSeconds: async () => ({ main: 86_400 * 91, other: null }),
};

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

describe("daemon metrics", () => {
  it("counts rotations by result, CAM calls by action and code, limiter waits and throttles", async () => {
    const metrics = createMetrics(sources, { defaultMetrics: false });
    metrics.engineObserver.rotationFinished?.({
      kind: "rotated",
      account: "main",
      uin: 11,
      newKeyId: "AKIDn",
      previousKeyId: null,
    });
    metrics.engineObserver.rotationFinished?.({
      kind: "parked",
      account: "main",
      uin: 12,
      flaggedKeyId: "AKIDb",
      reason: "foreign",
    });
    metrics.engineObserver.keyFlagged?.({
      account: "main",
      uin: 12,
      accessKeyId: "AKIDb",
      reason: "foreign-key",
      flaggedAt: 1,
      status: "pending",
    });
    metrics.camCall({ account: "main", action: "CreateAccessKey", code: "OK", durationMs: 12 });
    metrics.camCall({
      account: "main",
      action: "CreateAccessKey",
      code: "OperationDenied.AccessKeyOverLimit",
      durationMs: 8,
    });
    metrics.limiter({ account: "main", action: "CreateAccessKey", kind: "admitted", waitMs: 150, slotMs: 1 });
    metrics.limiter({ account: "main", action: "CreateAccessKey", kind: "admitted", waitMs: 0, slotMs: 1 });
    metrics.limiter({ account: "main", action: "ListAccessKeys", kind: "penalized", waitMs: 1000 });
    metrics.limiter({ account: "main", action: "ListAccessKeys", kind: "deferred", waitMs: 5000 });
    metrics.limiter({ account: "main", action: "CreateAccessKey", kind: "missed", waitMs: 31 });
    metrics.scheduleFired("main", "enqueued");
    const text = await metrics.registry.metrics();
    expect(sample(text, "cam_rotator_rotations_total", 'account="main",result="rotated"')).toBe(1);
    expect(sample(text, "cam_rotator_rotations_total", 'account="main",result="parked"')).toBe(1);
    expect(sample(text, "cam_rotator_keys_flagged_total", 'account="main",reason="foreign-key"')).toBe(1);
    expect(sample(text, "cam_rotator_cam_calls_total", 'account="main",action="CreateAccessKey",code="OK"')).toBe(1);
    expect(
      sample(
        text,
        "cam_rotator_cam_calls_total",
        'account="main",action="CreateAccessKey",code="OperationDenied.AccessKeyOverLimit"'
      )
    ).toBe(1);
    expect(sample(text, "cam_rotator_limiter_waits_total", 'account="main",action="CreateAccessKey"')).toBe(1);
    expect(sample(text, "cam_rotator_limiter_throttles_total", 'account="main",action="ListAccessKeys"')).toBe(1);
    expect(sample(text, "cam_rotator_limiter_deferrals_total", 'account="main",action="ListAccessKeys"')).toBe(1);
    expect(sample(text, "cam_rotator_limiter_missed_slots_total", 'account="main",action="CreateAccessKey"')).toBe(1);
    expect(sample(text, "cam_rotator_schedule_fires_total", 'account="main",outcome="enqueued"')).toBe(1);
  });

  it("reads queue depth by state, flagged keys and the oldest key age at scrape time", async () => {
    const metrics = createMetrics(sources, { defaultMetrics: false });
    const text = await metrics.registry.metrics();
    expect(sample(text, "cam_rotator_queue_jobs", 'state="waiting"')).toBe(2);
    expect(sample(text, "cam_rotator_queue_jobs", 'state="delayed"')).toBe(5);
    expect(sample(text, "cam_rotator_flagged_keys", 'account="main",status="pending"')).toBe(2);
    expect(sample(text, "cam_rotator_oldest_current_key_age_seconds", 'account="main"')).toBe(86_400 * 91);
    expect(text).not.toContain('cam_rotator_oldest_current_key_age_seconds{account="other"}');
  });

  it("exports readiness, the configured maximum key age and how long the oldest pending flag has waited", async () => {
    let ready = true;
    const metrics = createMetrics(
      { ...sources, ready: async () => ready, maxKeyAgeSeconds: { main: 90 * 86_400 }, clock: () => 86_401_000 },
      { defaultMetrics: false }
    );
    let text = await metrics.registry.metrics();
    expect(sample(text, "cam_rotator_ready", "")).toBeUndefined(); // unlabelled: no braces
    expect(text).toContain("\ncam_rotator_ready 1\n");
    expect(sample(text, "cam_rotator_max_key_age_seconds", 'account="main"')).toBe(90 * 86_400);
    // The older of the two pending flags (flaggedAt 1 ms) has waited a day and a second.
    expect(sample(text, "cam_rotator_flag_oldest_pending_seconds", 'account="main"')).toBeCloseTo(86_400.999, 3);
    ready = false;
    text = await metrics.registry.metrics();
    expect(text).toContain("\ncam_rotator_ready 0\n");
  });

  it("leaves the flag wait out for an account whose flags are all approved", async () => {
    const metrics = createMetrics(
      {
        ...sources,
        flags: async () => [
          {
            account: "main",
            uin: 11,
            accessKeyId: "AKIDa",
            reason: "foreign-key" as const,
            flaggedAt: 1,
            status: "approved" as const,
          },
        ],
      },
      { defaultMetrics: false }
    );
    const text = await metrics.registry.metrics();
    expect(text).not.toContain("cam_rotator_flag_oldest_pending_seconds{");
    expect(text).not.toContain("cam_rotator_ready");
  });

  it("counts a failing source instead of failing the scrape", async () => {
    const metrics = createMetrics(
      {
        ...sources,
        queueCounts: async () => {
          throw new Error("redis down");
        },
      },
      { defaultMetrics: false }
    );
    const first = await metrics.registry.metrics();
    expect(first).not.toContain("cam_rotator_queue_jobs{");
    expect(sample(first, "cam_rotator_flagged_keys", 'account="main",status="pending"')).toBe(2);
    // Metrics are collected concurrently, so the error shows from the next scrape on.
    const second = await metrics.registry.metrics();
    expect(sample(second, "cam_rotator_metrics_source_errors_total", 'source="queue"')).toBeGreaterThanOrEqual(1);
  });

  it("keeps two daemons' registries apart", async () => {
    const one = createMetrics(sources);
    const two = createMetrics(sources);
    one.camCall({ account: "main", action: "ListUsers", code: "OK", durationMs: 1 });
    expect(await one.registry.metrics()).toContain(
      'cam_rotator_cam_calls_total{account="main",action="ListUsers",code="OK"} 1'
    );
    expect(await two.registry.metrics()).not.toContain('action="ListUsers",code="OK"} 1');
  });
});
