// P4 for notifications, at the process level: a real `cam-rotator worker` with one target of each type rotates a
// user and parks on a flagged key; every notification body the receiver got, every Redis key under the prefix
// and the worker's output are scanned for every SecretAccessKey issued or seeded (none may appear), and Redis and
// the output for the targets' URL tokens and signing secrets (credentials: none may appear either).
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { NOTIFY_EVENT_TYPES } from "../../src/notify/config.js";
import { createCliEnv, type CliEnv, type Spawned } from "../cli/cli-env.js";
import { problemsOf } from "../support/notify-platforms.js";
import { eventIdOf, failFirst, startNotifyReceiver, type NotifyReceiver } from "../support/notify-receiver.js";
import { fiveTargets } from "../support/notify-rig.js";
import { scanForSecrets } from "../support/secret-scan.js";

const PLAIN = 100000000011;
const FLAGGED = 100000000013;

let world: CliEnv;
let receiver: NotifyReceiver;
let targets: ReturnType<typeof fiveTargets>;
let worker: Spawned;

beforeAll(async () => {
  receiver = await startNotifyReceiver();
  receiver.plan(failFirst(1));
  targets = fiveTargets(receiver.origin, { events: [...NOTIFY_EVENT_TYPES] });
  world = await createCliEnv({
    users: [
      { uin: PLAIN, name: "plain", keys: [{ inVault: "current" }] },
      { uin: FLAGGED, name: "legacy", keys: [{}, { inVault: "current" }] },
    ],
    config: { notify: { targets: targets.raw, attempts: 4, backoff: { base: 50, max: 200 } } },
  });
  worker = world.spawn(["worker", "--config", world.configPath], { env: targets.env });
  await worker.waitFor((line) => line.includes('"worker ready"'), 20_000);
}, 40_000);

afterAll(async () => {
  worker?.child.kill("SIGKILL");
  await world?.close();
  await receiver?.close();
});

describe("secret scan over notifications from a real worker", () => {
  it("no SecretAccessKey in any notification body, Redis or the worker's output; no URL token or signing secret in Redis or the output", async () => {
    for (const [uin, exit] of [
      [PLAIN, 0],
      [FLAGGED, 3],
    ] as const) {
      const result = await world.run(
        ["rotate", "--account", "main", "--uin", String(uin), "--force", "--wait", "--config", world.configPath],
        { timeoutMs: 40_000 }
      );
      expect(result.code, result.stderr).toBe(exit);
    }
    await eventually(() => receiver.accepted().length >= 10, "started and flagged, on five targets");
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    await eventually(() => receiver.accepted().length >= 15, "the stop message on five targets");

    for (const target of targets.fixtures) {
      const got = receiver.accepted().filter((request) => request.path === target.path);
      expect(got.map((request) => /^[a-z]+-[a-z]+/.exec(eventIdOf(request)!)?.[0]).sort(), target.name).toEqual([
        "daemon-started",
        "daemon-stopped",
        "key-flagged",
      ]);
      for (const request of got) expect(problemsOf(target.platform, request, target.secret), target.name).toEqual([]);
    }

    const secrets = new Set(world.secrets);
    const vault = await world.vault();
    try {
      const ref = { account: "main", uin: PLAIN };
      const current = (await vault.describe(ref)).current!;
      secrets.add((await vault.readVersion(ref, current.versionId))!.SecretKey);
    } finally {
      await vault.close();
    }
    expect(secrets.size).toBe(world.secrets.length + 1);
    const { stdout, stderr } = worker.output();
    const bodies = receiver.received.map((request) => request.body);
    const redis = new Redis(inject("redisUrl"));
    try {
      const secretScan = await scanForSecrets(redis, [world.prefix], secrets, [stdout, stderr], bodies);
      expect(secretScan.keysRead).toBeGreaterThan(0);
      expect(secretScan.types.hash).toBeGreaterThan(0);
      expect(secretScan.hits).toEqual([]);
      const credentialScan = await scanForSecrets(redis, [world.prefix], targets.credentials, [stdout, stderr]);
      expect(credentialScan.hits).toEqual([]);
      // The scan would see a leak: a planted canary in a body is found.
      const canary = [...secrets][0]!;
      expect((await scanForSecrets(redis, [], [canary], [], [`{"text":"${canary}"}`])).hits).toHaveLength(1);
    } finally {
      redis.disconnect();
    }
  }, 90_000);
});

async function eventually(done: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
