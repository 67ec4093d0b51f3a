// The vault's quota gate end to end: two AWS adapters, each with its own gate and Redis connection (as two
// daemons have) on one private Redis, rotate secrets in moto behind the benchmark's throttling proxy, which
// refuses what AWS would. Paced, no rolling second holds more writes than the quota and nothing is throttled;
// unpaced, the same load is throttled (so the load is real). Also: the penalty after a ThrottlingException, the
// deferral past maxWait, and the vault's rotation turns.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { startThrottlingVault, type ThrottlingVault } from "../../bench/throttling-vault.js";
import { maxInRollingWindow } from "../support/rolling-window.js";
import { slotIntervalUs } from "../../src/cam/limiter/slot-admission.js";
import {
  createVaultQuotaGate,
  VaultQuotaDeferral,
  type VaultLimiterEvent,
  type VaultQuotaGate,
} from "../../src/cam/limiter/vault-quota-gate.js";
import { classifyFailure } from "../../src/jobs/failures.js";
import { createAwsSecretsManagerVault } from "../../src/vault/aws-secrets-manager.js";
import type { Vault } from "../../src/vault/port.js";
import { rotationToken } from "../../src/vault/tokens.js";
import { makePayload } from "../vault/helpers.js";
import { TEST_CREDENTIALS, TEST_REGION, uniqueTemplate } from "../vault/moto.js";

const WRITES_PER_SECOND = 5;
const MARGIN_MS = 150;
const connections: Redis[] = [];
const cleanups: (() => Promise<void>)[] = [];
let proxy: ThrottlingVault;
beforeAll(async () => {
  proxy = await startThrottlingVault({
    targetPort: Number(new URL(inject("motoUrl")).port),
    limits: { writes: WRITES_PER_SECOND, tags: 50 },
  });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await proxy.close();
  await Promise.all(connections.map((redis) => redis.quit()));
});

function gate(
  prefix: string,
  options: { writes?: number; maxWaitMs?: number; observe?: (event: VaultLimiterEvent) => void } = {}
): VaultQuotaGate {
  const redis = new Redis(inject("redisUrl"));
  connections.push(redis);
  // The margin covers the time from a slot to the proxy's stamp. Here both ends share this test's event loop,
  // busy with every other call in flight (and the host with the other test files), which delays a stamp more
  // than a network path to AWS would.
  return createVaultQuotaGate({
    redis,
    prefix,
    scope: `${TEST_REGION}@${proxy.url}`,
    safetyMarginMs: MARGIN_MS,
    limits: { writes: options.writes ?? WRITES_PER_SECOND },
    maxWaitMs: options.maxWaitMs ?? 30_000,
    ...(options.observe ? { observe: options.observe } : {}),
  });
}

function vault(template: string, quota?: VaultQuotaGate, maxAttempts = 3, endpoint = proxy.url): Vault {
  const created = createAwsSecretsManagerVault({
    region: TEST_REGION,
    endpoint,
    credentials: TEST_CREDENTIALS,
    nameTemplate: template,
    maxAttempts,
    ...(quota ? { quota } : {}),
  });
  cleanups.push(() => created.close());
  return created;
}

/**
 * A rotation's vault writes for each user: stage (PutSecretValue), then promote (two UpdateSecretVersionStage).
 * Users start `staggerMs` apart, as rotation turns spread them.
 */
async function rotateAll(target: Vault, account: string, users: number, staggerMs = 0): Promise<void> {
  // Every user's calls end before this does (a test that expects failures must not leak calls into the next).
  const results = await Promise.allSettled(
    Array.from({ length: users }, async (_, index) => {
      await sleep(index * staggerMs);
      const ref = { account, uin: 100_000_000_100 + index };
      const token = rotationToken(account, ref.uin, randomUUID());
      await target.stagePending(ref, token, makePayload(ref));
      await target.promote(ref, token);
    })
  );
  const failed = results.filter((result) => result.status === "rejected");
  if (failed.length > 0) throw new Error(`${failed.length} of ${users} rotations failed: ${String(failed[0]!.reason)}`);
}

describe("vault quota gate", () => {
  it("two gates on one Redis keep both adapters' writes within the quota in every rolling second", async () => {
    const prefix = `t-${randomUUID()}`;
    const template = uniqueTemplate();
    const slots: number[] = [];
    // The writes pool's slots: each promotion also tags the secret (metadata-tags.ts), in the tags pool.
    const observe = (event: VaultLimiterEvent) => {
      if (event.kind === "admitted" && event.pool === "writes") slots.push(event.slotMs);
    };
    const [one, two] = [vault(template, gate(prefix, { observe })), vault(template, gate(prefix, { observe }))];
    // The secrets exist already, as in steady operation: this host is slow to start 16 rotations at once against
    // an empty moto (CreateSecret), which spreads the first requests' send times by more than the margin.
    const direct = vault(template, undefined, 3, inject("motoUrl"));
    await Promise.all([rotateAll(direct, "one", 6), rotateAll(direct, "two", 6)]);
    // Warm clients too, as a running daemon's are: a fresh client's first requests (a connection each, a
    // command's first use) left here up to 250 ms after their slots, bunching with those that followed.
    await Promise.all(
      [one, two].map(async (each, index) => {
        await rotateAll(each, `warm-up-${index}`, 1);
        await Promise.all(
          Array.from({ length: 6 }, (_, index) => each.describe({ account: "one", uin: 100_000_000_100 + index }))
        );
      })
    );
    await sleep(1_000);
    proxy.reset();
    slots.length = 0;
    await Promise.all([rotateAll(one, "one", 6, 25), rotateAll(two, "two", 6, 25)]);
    // 12 rotations: 12 PutSecretValue and 24 label moves.
    expect(proxy.passed.writes).toHaveLength(36);
    expect(slots).toHaveLength(36);
    // The slots come from one atomic script on Redis's clock: the bound is exact, and reached.
    expect(maxInRollingWindow(slots, 1000)).toBe(WRITES_PER_SECOND);
    // And at the proxy, on its own clock: nothing refused, no rolling second over the quota.
    expect(proxy.throttled.writes).toBe(0);
    expect(maxInRollingWindow(proxy.passed.writes, 1000)).toBeLessThanOrEqual(WRITES_PER_SECOND);
  });

  it("the same load without the gate is throttled: the load above is real", async () => {
    const template = uniqueTemplate();
    proxy.reset();
    await Promise.all(
      [rotateAll(vault(template, undefined, 1), "one", 8), rotateAll(vault(template, undefined, 1), "two", 8)].map(
        (rotations) => rotations.catch(() => undefined)
      )
    );
    expect(proxy.throttled.writes).toBeGreaterThan(0);
  });

  it("a ThrottlingException (someone else shares the quota) pushes the pool's slots back by the penalty", async () => {
    const events: VaultLimiterEvent[] = [];
    // The gate believes in 20/s; the proxy allows 5/s: the surplus is refused and the gate backs off.
    const paced = vault(
      uniqueTemplate(),
      gate(`t-${randomUUID()}`, { writes: 20, observe: (event) => events.push(event) }),
      5
    );
    proxy.reset();
    await rotateAll(paced, "main", 8);
    const penalties = events.filter((event) => event.kind === "penalized");
    expect(proxy.throttled.writes).toBeGreaterThan(0);
    expect(penalties.length).toBe(proxy.throttled.writes);
    expect(penalties.every((event) => event.pool === "writes" && event.waitMs >= 990)).toBe(true);
  });

  it("defers past maxWait (the adapter rejects with VaultQuotaDeferral, a wait to the job), except the staging write", async () => {
    const quota = gate(`t-${randomUUID()}`, { writes: 1, maxWaitMs: 100 });
    const paced = vault(uniqueTemplate(), quota);
    const ref = { account: "main", uin: 100_000_000_011 };
    const token = rotationToken(ref.account, ref.uin, randomUUID());
    await paced.stagePending(ref, token, makePayload(ref));
    const error = await paced.promote(ref, token).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VaultQuotaDeferral);
    expect(error).toMatchObject({ pool: "writes", scope: quota.scope });
    const failure = classifyFailure(error);
    expect(failure.kind).toBe("deferred");
    expect(failure.kind === "deferred" && failure.retryAfterMs).toBeGreaterThan(100);
    // PutSecretValue carries a secret held only in memory: it waits for its slot (a second away) past maxWait.
    const other = { account: "main", uin: 100_000_000_012 };
    const started = Date.now();
    await paced.stagePending(other, rotationToken(other.account, other.uin, randomUUID()), makePayload(other));
    expect(Date.now() - started).toBeGreaterThan(500);
  });

  it("hands out rotation turns three write slots apart, two turns ahead", async () => {
    const turns = gate(`t-${randomUUID()}`, { writes: 30 });
    const turnAt: number[] = [];
    for (let turn = 0; turn < 5; turn++) turnAt.push((await turns.reserveRotationTurn()) + performance.now());
    // (1000 + 150) / 30 = 38.3 ms per write, 115 ms per rotation; an idle scope gives the lead (2 turns) at once.
    // Compared on this host's clock, so each reply's latency (tens of ms on a loaded host) is in the tolerance.
    const rotationMs = (3 * slotIntervalUs(30, MARGIN_MS)) / 1000;
    const start = turnAt[0]!;
    expect(turnAt.slice(1, 3).every((at) => at - start < 25)).toBe(true);
    expect(Math.abs(turnAt[3]! - start - rotationMs)).toBeLessThan(25);
    expect(Math.abs(turnAt[4]! - start - 2 * rotationMs)).toBeLessThan(25);
  });
});
