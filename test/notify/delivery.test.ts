// Delivery through real Redis and BullMQ to a local receiver: retries after 500s and timeouts, one delivery per
// event id, no retry of a refused message, the per-target rate limit, publishing that never blocks, and no
// credential (URL token, signing secret) in Redis or the logs.
import { Queue } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { connectRedis } from "../../src/daemon/redis.js";
import { silentLogger } from "../../src/log.js";
import { notifySchema } from "../../src/notify/config.js";
import { createNotifier } from "../../src/notify/notifier.js";
import { notifyQueueName } from "../../src/notify/queues.js";
import { eventually } from "../support/harness.js";
import { createNotifyRig, type NotifyRig } from "../support/notify-rig.js";
import { problemsOf } from "../support/notify-platforms.js";
import { eventIdOf, failFirst } from "../support/notify-receiver.js";
import { scanForSecrets } from "../support/secret-scan.js";

const rigs: NotifyRig[] = [];
async function rig(options?: Parameters<typeof createNotifyRig>[0]): Promise<NotifyRig> {
  const made = await createNotifyRig(options);
  rigs.push(made);
  return made;
}

afterAll(async () => {
  // No URL token or signing secret anywhere under any rig's prefix or in its logs.
  for (const made of rigs) {
    const report = await scanForSecrets(made.redis, [made.prefix], made.credentials, made.logs);
    expect(report.keysRead).toBeGreaterThan(0);
    expect(report.hits).toEqual([]);
  }
  await Promise.all(rigs.map((made) => made.close()));
});

const flag = (accessKeyId: string) => ({
  account: "main",
  uin: 100000000011,
  accessKeyId,
  reason: "foreign-key" as const,
  flaggedAt: Date.now(),
  status: "pending" as const,
});
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("notification delivery", () => {
  it("delivers a flagged key to each of the five targets once, correctly signed, despite two 500s in a row", async () => {
    const r = await rig();
    r.receiver.plan(failFirst(2));
    r.startDelivery();
    r.notifier.observer.keyFlagged!(flag("AKIDretry0000001"));
    await eventually(async () => r.receiver.accepted().length >= 5 || undefined, 15_000, "five deliveries");
    await settle(500);
    for (const target of r.targets) {
      const seen = r.receiver.received.filter((request) => request.path === target.path);
      expect(
        seen.map((request) => request.answered),
        target.name
      ).toEqual([500, 500, target.platform === "webhook" ? 204 : 200]);
      for (const request of seen) expect(problemsOf(target.platform, request, target.secret), target.name).toEqual([]);
      expect(new Set(seen.map(eventIdOf)).size).toBe(1);
    }
  });

  it("retries a request that got no answer within the target's timeout", async () => {
    const r = await rig({ target: { timeout: 1_500 } }); // Long enough for a loaded machine to answer the retry.
    const hung = new Set<string>();
    r.receiver.plan((request) => {
      if (hung.has(request.path)) return undefined;
      hung.add(request.path);
      return "hang";
    });
    r.startDelivery();
    r.notifier.observer.retirementHeld!({
      account: "main",
      uin: 100000000011,
      accessKeyId: "AKIDtimeout00001",
      lastUsedAt: null,
    });
    await eventually(async () => r.receiver.accepted().length >= 5 || undefined, 15_000, "five deliveries");
    for (const target of r.targets) {
      expect(
        r.receiver.received.filter((request) => request.path === target.path).map((request) => request.answered)
      ).toEqual(["hang", target.platform === "webhook" ? 204 : 200]);
    }
    expect(r.logs.join("")).toContain("no answer within 1500 ms");
  });

  it("delivers an event id once per target however often, and by however many replicas, it is published", async () => {
    const r = await rig();
    const replica = createNotifier({ notify: r.notify, connection: r.redis, prefix: r.prefix, log: silentLogger });
    r.startDelivery();
    const held = { account: "main", uin: 100000000011, accessKeyId: "AKIDheldtwice001", lastUsedAt: 1 };
    r.notifier.observer.retirementHeld!(held);
    r.notifier.observer.retirementHeld!(held);
    replica.observer.retirementHeld!(held);
    r.notifier.sweepMissed("main", 1_700_000_000_000);
    replica.sweepMissed("main", 1_700_000_000_000);
    for (let call = 0; call < 5; call++) {
      r.notifier.camCall({
        account: "main",
        action: "ListAccessKeys",
        code: "AuthFailure.SignatureFailure",
        durationMs: 3,
      });
      replica.camCall({
        account: "main",
        action: "ListAccessKeys",
        code: "AuthFailure.SignatureFailure",
        durationMs: 3,
      });
    }
    r.notifier.camCall({ account: "main", action: "ListAccessKeys", code: "OK", durationMs: 3 });
    await eventually(async () => r.receiver.accepted().length >= 15 || undefined, 15_000, "fifteen deliveries");
    await settle(800);
    await replica.close();
    expect(r.receiver.received).toHaveLength(15);
    for (const target of r.targets) {
      const ids = r.receiver.received
        .filter((request) => request.path === target.path)
        .map(eventIdOf)
        .sort();
      expect(ids).toEqual([
        expect.stringMatching(/^cam-auth-failing-main-\d+$/),
        "retirement-held-AKIDheldtwice001",
        "sweep-missed-main-1700000000000",
      ]);
    }
  });

  it("does not retry what the receiver refused (HTTP 400, a robot's error code)", async () => {
    const r = await rig();
    r.receiver.plan((request) => {
      if (request.path.startsWith("/slack")) return { status: 400, body: "invalid_payload" };
      if (request.path.startsWith("/wecom"))
        return { status: 200, body: JSON.stringify({ errcode: 93000, errmsg: "invalid webhook url" }) };
      return undefined;
    });
    r.startDelivery();
    r.notifier.observer.keyFlagged!(flag("AKIDrefused00001"));
    await eventually(async () => r.receiver.received.length >= 5 || undefined, 15_000, "five requests");
    await settle(800);
    expect(r.receiver.received).toHaveLength(5);
    const failures = r.logs.filter((line) => line.includes("notification not delivered"));
    expect(failures).toHaveLength(2);
    expect(failures.join("")).toContain("refused: errcode 93000: invalid webhook url");
    expect(failures.join("")).toContain("refused: HTTP 400: invalid_payload");
  });

  it("paces each target with its own rate limit", async () => {
    const r = await rig({ target: { rateLimit: { max: 2, per: "1s" } } });
    r.startDelivery();
    for (let index = 0; index < 4; index++) r.notifier.observer.keyFlagged!(flag(`AKIDpaced0000${index}`));
    await eventually(async () => r.receiver.accepted().length >= 20 || undefined, 15_000, "twenty deliveries");
    for (const target of r.targets) {
      expect(r.receiver.received.filter((request) => request.path === target.path)).toHaveLength(4);
      // When BullMQ's limiter let each job start (arrival times would add the host's scheduling noise): at most 2
      // in any window of the limit, so the third starts a full window after the first.
      const queue = new Queue(notifyQueueName(target.name), { connection: r.redis, prefix: r.prefix });
      const starts = (await queue.getJobs(["completed"])).map((job) => job.processedOn!).sort((a, b) => a - b);
      await queue.close();
      expect(starts).toHaveLength(4);
      expect(starts[2]! - starts[0]!, target.name).toBeGreaterThanOrEqual(990);
    }
  });

  it("never blocks the caller: with Redis unreachable a hook returns at once and the stop message gives up after enqueueTimeout", async () => {
    const notify = notifySchema.parse({
      targets: [
        {
          name: "hook",
          type: "webhook",
          urlEnv: "U",
          secretEnv: "S",
          events: ["key-flagged", "rotation-failed", "daemon-stopped"],
        },
      ],
      enqueueTimeout: 300,
    });
    const dead = connectRedis("redis://127.0.0.1:9", "notify-dead");
    dead.on("error", () => undefined);
    const lines: string[] = [];
    const { createLogger } = await import("../../src/log.js");
    const { Writable } = await import("node:stream");
    const log = createLogger(
      { level: "debug" },
      new Writable({
        write(chunk, _e, done) {
          lines.push(String(chunk));
          done();
        },
      })
    );
    const notifier = createNotifier({ notify, connection: dead, prefix: "t-dead", log });
    const started = performance.now();
    notifier.observer.keyFlagged!(flag("AKIDnoredis00001"));
    notifier.observer.rotationFinished!({ kind: "failed", account: "main", uin: 1, reason: "x" });
    expect(performance.now() - started).toBeLessThan(50);
    const stopping = performance.now();
    await notifier.daemonStopped("test");
    expect(performance.now() - stopping).toBeGreaterThanOrEqual(250);
    expect(performance.now() - stopping).toBeLessThan(1_500);
    await eventually(
      async () => lines.filter((line) => line.includes("notification not queued in time")).length >= 3 || undefined,
      3_000,
      "three warnings"
    );
    dead.disconnect();
    await Promise.race([notifier.close(), settle(1_000)]);
  });
});
