import { describe, expect, it } from "vitest";
import { combineObservers } from "../../src/daemon/combined-observer.js";
import { createMetrics } from "../../src/daemon/metrics.js";
import type { EngineObserver } from "../../src/jobs/engine/face.js";

type Hook = keyof EngineObserver;

/** One call per hook. Typed over every hook, so a hook added to EngineObserver fails typecheck until it is here. */
const CALLS: { [K in Hook]-?: Parameters<NonNullable<EngineObserver[K]>> } = {
  rotationFinished: [{ kind: "rotated", account: "main", uin: 11, newKeyId: "AKIDn", previousKeyId: null }],
  keyFlagged: [
    { account: "main", uin: 12, accessKeyId: "AKIDf", reason: "foreign-key", flaggedAt: 1, status: "pending" },
  ],
  retirementHeld: [{ account: "main", uin: 13, accessKeyId: "AKIDo", lastUsedAt: 5 }],
  recordRejected: ["progress"],
  vaultAlert: [{ account: "main", uin: 14, reason: "vault-identity-mismatch" }],
  unknownAccount: ["elsewhere", "rotate"],
  jobLockLost: ["main", "retire"],
};
const HOOKS = Object.keys(CALLS) as Hook[];

/** An observer that writes down every hook it hears, with its arguments. */
function recorder(heard: Array<[Hook, unknown[]]>): EngineObserver {
  return Object.fromEntries(HOOKS.map((hook) => [hook, (...args: unknown[]) => heard.push([hook, args])]));
}

function callEveryHook(observer: EngineObserver): void {
  for (const hook of HOOKS) (observer[hook] as ((...args: unknown[]) => void) | undefined)?.(...CALLS[hook]);
}

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

describe("combineObservers", () => {
  it("passes every hook of EngineObserver, with its arguments, to every observer", () => {
    const first: Array<[Hook, unknown[]]> = [];
    const second: Array<[Hook, unknown[]]> = [];
    const errors: unknown[] = [];
    callEveryHook(combineObservers([recorder(first), undefined, recorder(second)], (error) => errors.push(error)));
    const expected = HOOKS.map((hook) => [hook, CALLS[hook]]);
    expect(first).toEqual(expected);
    expect(second).toEqual(expected);
    expect(errors).toEqual([]);
  });

  it("keeps the alert metrics counting when notifications are combined with them", async () => {
    const metrics = createMetrics(
      {
        queueCounts: async () => ({}),
        flags: async () => [],
        oldestKeyAgeSeconds: async () => ({}),
      },
      { defaultMetrics: false }
    );
    const notified: Array<[Hook, unknown[]]> = [];
    callEveryHook(
      combineObservers([metrics.engineObserver, recorder(notified)], (error) => {
        throw error;
      })
    );
    const text = await metrics.registry.metrics();
    expect(sample(text, "cam_rotator_rotations_total", 'account="main",result="rotated"')).toBe(1);
    expect(sample(text, "cam_rotator_keys_flagged_total", 'account="main",reason="foreign-key"')).toBe(1);
    expect(sample(text, "cam_rotator_retirements_held_total", 'account="main"')).toBe(1);
    expect(sample(text, "cam_rotator_records_rejected_total", 'kind="progress"')).toBe(1);
    expect(sample(text, "cam_rotator_vault_alerts_total", 'account="main",reason="vault-identity-mismatch"')).toBe(1);
    expect(sample(text, "cam_rotator_unknown_account_jobs_total", 'account="elsewhere",job="rotate"')).toBe(1);
    expect(sample(text, "cam_rotator_job_locks_lost_total", 'account="main",job="retire"')).toBe(1);
    expect(notified.map(([hook]) => hook)).toEqual(HOOKS);
  });

  it("reports an observer that throws and still calls the others", () => {
    const heard: Array<[Hook, unknown[]]> = [];
    const errors: unknown[] = [];
    const failing: EngineObserver = {
      jobLockLost: () => {
        throw new Error("observer broke");
      },
    };
    combineObservers([failing, recorder(heard)], (error) => errors.push(error)).jobLockLost?.("main", "rotate");
    expect(heard).toEqual([["jobLockLost", ["main", "rotate"]]]);
    expect(errors).toEqual([new Error("observer broke")]);
  });
});
