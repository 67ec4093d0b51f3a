// Every admin command against a real worker daemon (the binary), Redis, moto and the CAM simulator.
import { hostname, userInfo } from "node:os";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRedisGate, limiterKey } from "../../src/cam/limiter/redis-gate.js";
import { configuredCli, createCliEnv, logLines, OWNER_UIN, type CliEnv, type Spawned } from "./cli-env.js";

const DEPLOYER = 100000000011;
const REPORTER = 100000000012;
const LEGACY = 100000000013;
const INTERN = 100000000014;

let world: CliEnv;
let worker: Spawned;
const outputs: string[] = [];

const cli = configuredCli(() => world, outputs);

async function json<T>(...args: string[]): Promise<T> {
  const result = await cli(...args, "--json");
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface VaultView {
  exists: boolean;
  current?: { accessKeyId: string };
  previous?: { accessKeyId: string };
  pending?: { accessKeyId: string };
}
interface Flag {
  accessKeyId: string;
  uin: number;
  status: string;
  reason: string;
}

/** The vault as the test sees it (polling through the CLI would spawn a process per poll). */
async function vaultView(uin: number): Promise<VaultView> {
  const vault = await world.vault();
  try {
    return await vault.describe({ account: "main", uin });
  } finally {
    await vault.close();
  }
}

const simKeys = (uin: number) =>
  world.sim.simulator
    .snapshot()
    .accounts.flatMap((account) => account.users)
    .find((user) => user.uin === uin)?.keys ?? [];

beforeAll(async () => {
  world = await createCliEnv({
    users: [
      { uin: DEPLOYER, name: "deployer", keys: [{ inVault: "current" }] },
      { uin: REPORTER, name: "reporter" },
      { uin: LEGACY, name: "legacy", keys: [{}, { inVault: "current" }] },
      { uin: INTERN, name: "intern", keys: [{}, { inVault: "current" }] },
    ],
  });
  worker = world.spawn(["worker", "--config", world.configPath]);
  await worker.waitFor((line) => line.includes('"worker ready"'), 20_000);
}, 40_000);

afterAll(async () => {
  worker?.child.kill("SIGTERM");
  await worker?.exited;
  await world?.close();
});

describe("admin commands against a running worker", () => {
  it("check-config prints one ok line per item and exits 0", async () => {
    const { code, stdout } = await cli("check-config");
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(
      lines.map((line) =>
        line
          .split(/\s{2,}/)
          .slice(0, 2)
          .join(" ")
      )
    ).toEqual(["ok config", "ok redis", "ok vault", "ok account main", "ok users main", "all checks passed"]);
    expect(stdout).toContain("signed in as uin 100000000002");
    expect(stdout).toContain("all 4 configured UINs exist");
  });

  it("check-config warns (exit still 0) when a retirement phase is shorter than the last-use lag, naming path and values", async () => {
    const raw = JSON.parse(readFileSync(world.configPath, "utf8")) as { accounts: Array<{ retire: unknown }> };
    raw.accounts[0]!.retire = { deactivateAfter: "1d", deleteAfter: "7d", lastUsedLag: "3d" };
    const result = await world.run(["check-config", "--config", world.writeConfig(raw, "short-retire.json")], {
      timeoutMs: 60_000,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /WARN\s+retire main\s+accounts\[0\]\.retire\.deactivateAfter \(86400000 ms\) is shorter than retire\.lastUsedLag \(259200000 ms\)/
    );
    expect(result.stdout).not.toContain("retire.deleteAfter");
    expect(result.stdout).toContain("all checks passed");
  });

  it("the worker logs the same warning at start-up", async () => {
    const raw = JSON.parse(readFileSync(world.configPath, "utf8")) as {
      redis: { prefix: string };
      accounts: Array<{ retire: unknown }>;
    };
    raw.accounts[0]!.retire = { deactivateAfter: "1d", deleteAfter: "7d", lastUsedLag: "3d" };
    raw.redis.prefix = `${world.prefix}-lag-warning`; // its own queue: this worker must not take the other tests' jobs
    const worker = world.spawn(["worker", "--config", world.writeConfig(raw, "short-retire-worker.json")]);
    try {
      const line = await worker.waitFor((text) => text.includes("shorter than retire.lastUsedLag"), 20_000);
      expect(JSON.parse(line)).toMatchObject({
        account: "main",
        msg: expect.stringMatching(/^accounts\[0\]\.retire\.deactivateAfter \(86400000 ms\) is shorter/),
      });
    } finally {
      worker.child.kill("SIGTERM");
      await worker.exited;
    }
  });

  it("check-config exits 1 and names the failure when the credentials are wrong", async () => {
    const result = await world.run(["check-config", "--config", world.configPath], {
      env: { TEST_MAIN_SECRET_KEY: "wrong-secret-value-000000000000" },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /FAIL\s+account main\s+CAM GetUserAppId account=main failed: AuthFailure\.SignatureFailure/
    );
    expect(result.stdout).toMatch(/ok\s+redis/);
    expect(result.stdout).toContain("checks failed");
  });

  it("check-config's CAM calls go through the shared limiter: a backed-off account makes its probe wait, then fail", async () => {
    const redis = new Redis(inject("redisUrl"));
    try {
      // Another process was told RequestLimitExceeded: GetUserAppId on this account's owner is backed off for a
      // minute (the limiter counts per owner UIN, in the namespace the test config sets).
      await createRedisGate({
        redis,
        prefix: world.prefix,
        penaltyMs: 60_000,
        limiterIdOf: () => `owner-${OWNER_UIN}`,
      }).penalize("main", "GetUserAppId");
      const result = await cli("check-config");
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        /FAIL\s+account main\s+rate limit for GetUserAppId on account main: next slot in \d+ ms/
      );
      expect(result.stdout).toMatch(/ok\s+redis/);
    } finally {
      await redis.del(limiterKey(world.prefix, `owner-${OWNER_UIN}`, "GetUserAppId"));
      redis.disconnect();
    }
  });

  it("sweep --dry-run shows who is due and why, and enqueues nothing", async () => {
    const plan = await json<{ dryRun: boolean; users: Array<{ uin: number; due: boolean; reason: string }> }>(
      "sweep",
      "--account",
      "main",
      "--dry-run"
    );
    expect(plan.dryRun).toBe(true);
    const byUin = new Map(plan.users.map((entry) => [entry.uin, entry]));
    expect(byUin.get(DEPLOYER)).toMatchObject({
      due: true,
      reason: expect.stringMatching(/current key \d+ days old \(max 90\)/),
    });
    expect(byUin.get(REPORTER)).toMatchObject({ due: true, reason: "no key in vault" });
    const table = await cli("sweep", "--account", "main", "--dry-run");
    expect(table.stdout).toMatch(/UIN\s+DUE\s+CURRENT KEY\s+AGE \(DAYS\)\s+REASON/);
    expect(table.stdout).toContain("4 of 4 users due in main (dry run: nothing enqueued)");
    // Progress over the users goes to stderr, so --json output stays clean.
    expect(table.stderr).toContain("checking users of main: 4/4");
    const status = await json<{ counts: Record<string, number> }>("status");
    expect((status.counts.waiting ?? 0) + (status.counts.active ?? 0) + (status.counts.delayed ?? 0)).toBe(0);
  });

  it("rotate --wait shows progress, rotates, and exits 0; vault show names the keys, never the secret", async () => {
    const [oldKey] = world.keyIds.get(DEPLOYER)!;
    const result = await cli("rotate", "--account", "main", "--uin", String(DEPLOYER), "--wait");
    expect(result.code, result.stderr).toBe(0);
    const newKey = /rotated main\/100000000011: (\w+) -> (\w+)/.exec(result.stdout);
    expect(newKey?.[1]).toBe(oldKey);
    expect(result.stderr).toMatch(/\d+\.\ds\s+create/);
    const view = await json<VaultView>("vault", "show", "--account", "main", "--uin", String(DEPLOYER));
    expect(view.current?.accessKeyId).toBe(newKey?.[2]);
    expect(view.previous?.accessKeyId).toBe(oldKey);
    const table = await cli("vault", "show", "--account", "main", "--uin", String(DEPLOYER));
    expect(table.stdout).toMatch(new RegExp(`current\\s+${newKey?.[2]}`));
    expect(table.stdout).toMatch(new RegExp(`previous\\s+${oldKey}`));
  });

  it("rotate --wait exits 3 when the rotation parks on a foreign key; approve-removal resumes it", async () => {
    const [foreign, current] = world.keyIds.get(LEGACY)!;
    const parked = await cli("rotate", "--account", "main", "--uin", String(LEGACY), "--wait");
    expect(parked.code, parked.stderr).toBe(3);
    expect(parked.stdout).toContain(`parked main/100000000013: key ${foreign} is flagged for removal`);
    const flags = await json<Flag[]>("flagged");
    expect(flags).toContainEqual(
      expect.objectContaining({ accessKeyId: foreign, uin: LEGACY, status: "pending", reason: "foreign-key" })
    );
    const table = await cli("flagged");
    expect(table.stdout).toMatch(new RegExp(`${foreign}\\s+main\\s+100000000013\\s+foreign-key\\s+pending`));
    const status = await json<{ parked: Array<{ uin: number; flaggedKeyId: string }> }>("status");
    expect(status.parked).toContainEqual(expect.objectContaining({ uin: LEGACY, flaggedKeyId: foreign }));

    const approved = await cli("approve-removal", "--key", foreign!);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`approved removal of ${foreign} (main/100000000013)`);
    const view = await eventually(async () => {
      const seen = await vaultView(LEGACY);
      return seen.current?.accessKeyId !== current ? seen : undefined;
    }, "the approved rotation to finish");
    expect(view.previous?.accessKeyId).toBe(current);
    expect(simKeys(LEGACY).map((key) => key.accessKeyId)).not.toContain(foreign);
  });

  it("dismiss-flag keeps the key and drops the flag; an unknown key exits 2", async () => {
    const [foreign] = world.keyIds.get(INTERN)!;
    expect((await cli("rotate", "--account", "main", "--uin", String(INTERN), "--wait")).code).toBe(3);
    const dismissed = await cli("dismiss-flag", "--key", foreign!);
    expect(dismissed.code, dismissed.stderr).toBe(0);
    expect((await json<Flag[]>("flagged")).map((flag) => flag.accessKeyId)).not.toContain(foreign);
    expect(simKeys(INTERN).map((key) => key.accessKeyId)).toContain(foreign);
    const unknown = await cli("approve-removal", "--key", "AKIDnotflagged0000000000000000000000");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("key AKIDnotflagged0000000000000000000000 is not flagged");
  });

  it("a failed rotation exits 1, shows in status with its reason, and retry-failed runs it again", async () => {
    world.sim.simulator.addFaults({
      action: "CreateAccessKey",
      fault: "error",
      code: "AuthFailure.UnauthorizedOperation",
      times: 1,
    });
    const failed = await cli("rotate", "--account", "main", "--uin", String(REPORTER), "--wait");
    expect(failed.code, failed.stdout + failed.stderr).toBe(1);
    expect(failed.stdout).toContain("failed main/100000000012:");
    expect(failed.stdout).toContain("AuthFailure.UnauthorizedOperation");
    const status = await json<{ failed: Array<{ uin?: number; reason: string }> }>("status");
    expect(status.failed).toContainEqual(
      expect.objectContaining({ uin: REPORTER, reason: expect.stringContaining("AuthFailure.UnauthorizedOperation") })
    );
    const table = await cli("status");
    expect(table.stdout).toMatch(/failed jobs: 1/);
    expect(table.stdout).toMatch(
      /ACCOUNT\s+SCHEDULE\s+TIMEZONE\s+NEXT RUN \(UTC\)\nmain\s+0 3 \* \* \*\s+UTC\s+\d{4}-\d{2}-\d{2}T03:00:00Z/
    );

    const retried = await cli("retry-failed");
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain("retried 1 failed job");
    const view = await eventually(async () => {
      const seen = await vaultView(REPORTER);
      return seen.current ? seen : undefined;
    }, "the retried rotation");
    expect(simKeys(REPORTER).map((key) => key.accessKeyId)).toEqual([view.current!.accessKeyId]);
  });

  // REPORTER holds one key, so its rotation needs no room (DEPLOYER's previous key is still in its retirement grace,
  // and a rotation of DEPLOYER now waits for that retirement).
  it("pause holds new rotations until resume", async () => {
    expect((await json<{ paused: boolean }>("pause")).paused).toBe(true);
    expect((await json<{ paused: boolean }>("status")).paused).toBe(true);
    const before = (await vaultView(REPORTER)).current!.accessKeyId;
    const queued = await json<{ jobId: string; added: boolean }>(
      "rotate",
      "--account",
      "main",
      "--uin",
      String(REPORTER),
      "--force"
    );
    expect(queued).toEqual({ jobId: "rotate-main-100000000012", added: true });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await vaultView(REPORTER)).current!.accessKeyId).toBe(before);
    const resumed = await cli("resume");
    expect(resumed.stdout).toContain("queue resumed");
    await eventually(async () => {
      const seen = await vaultView(REPORTER);
      return seen.current!.accessKeyId !== before ? seen : undefined;
    }, "the rotation after resume");
  });

  it("events lists the rotation events; --follow streams new ones and Ctrl-C ends it with exit 0", async () => {
    const events = await json<Array<{ uin: number; type: string; step: string }>>("events", "--count", "500");
    expect(events.length).toBeGreaterThan(5);
    expect(events.some((event) => event.uin === DEPLOYER)).toBe(true);
    const table = await cli("events", "--count", "5");
    expect(table.stdout.split("\n")[0]).toMatch(/TIME\s+ACCOUNT\s+UIN\s+STEP\s+EVENT\s+KEY\s+DETAIL/);

    const follower = world.spawn(["events", "--follow", "--json", "--count", "1", "--config", world.configPath]);
    await follower.waitFor((line) => line.startsWith("{"), 15_000);
    const linesBefore = follower.output().stdout.trim().split("\n").length;
    expect((await cli("rotate", "--account", "main", "--uin", String(DEPLOYER), "--force")).code).toBe(0);
    await eventually(
      async () => (follower.output().stdout.trim().split("\n").length > linesBefore + 1 ? true : undefined),
      "followed events"
    );
    const followed = follower
      .output()
      .stdout.trim()
      .split("\n")
      .slice(linesBefore)
      .map((line) => JSON.parse(line) as { uin: number });
    expect(followed.some((event) => event.uin === DEPLOYER)).toBe(true);
    follower.child.kill("SIGINT");
    expect(await follower.exited).toBe(0);
    outputs.push(follower.output().stdout, follower.output().stderr);
  });

  it("sweep without --dry-run enqueues the due users and reports it", async () => {
    const run = await cli("sweep", "--account", "main", "--json");
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { users: Array<{ uin: number; due: boolean; jobId?: string }> };
    const due = result.users.filter((entry) => entry.due);
    expect(due.length).toBeGreaterThan(0);
    expect(run.stderr).toContain(`enqueueing rotations: ${due.length}/${due.length}`);
    for (const entry of due) expect(entry.jobId).toBe(`rotate-main-${entry.uin}`);
    expect(result.users.find((entry) => entry.uin === DEPLOYER)?.due).toBe(false);
  });

  it("every operator action above left an audit entry naming the OS user and host, in both streams and on stderr", async () => {
    const by = `by ${userInfo().username}@${hostname()} (pid `;
    const redis = new Redis(inject("redisUrl"));
    try {
      const read = async (stream: string) =>
        (await redis.xrange(`${world.prefix}:rotator:${stream}`, "-", "+")).map(
          ([, fields]) =>
            Object.fromEntries(fields.flatMap((_, i) => (i % 2 === 0 ? [[fields[i], fields[i + 1]]] : []))) as Record<
              string,
              string
            >
        );
      const [audit, events] = [await read("audit"), await read("events")];
      for (const action of ["rotate", "approve-removal", "dismiss-flag", "retry-failed", "pause", "resume", "sweep"]) {
        const entry = audit.find((candidate) => candidate.type === `operator-${action}`);
        expect(entry, `audit entry for ${action}`).toMatchObject({
          step: "operator",
          detail: expect.stringContaining(by),
        });
        expect(
          events.some((event) => event.type === `operator-${action}` && event.detail === entry!.detail),
          `event for ${action}`
        ).toBe(true);
        expect(outputs.join("\n"), `log line for ${action}`).toContain(`"msg":"operator action: ${action}"`);
      }
      expect(audit.find((entry) => entry.type === "operator-approve-removal")).toMatchObject({
        account: "main",
        uin: String(LEGACY),
      });
    } finally {
      redis.disconnect();
    }
  });

  it("the worker serves /healthz, /readyz and /metrics with the rotator's metrics", async () => {
    const ready = logLines(worker.output().stdout).find((line) => line.msg === "worker ready") as { http: string };
    expect((await fetch(`${ready.http}/healthz`)).status).toBe(200);
    expect((await fetch(`${ready.http}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${ready.http}/metrics`)).text();
    expect(metrics).toMatch(/cam_rotator_rotations_total\{account="main",result="rotated"\} [1-9]/);
    expect(metrics).toMatch(/cam_rotator_rotations_total\{account="main",result="parked"\} [1-9]/);
    expect(metrics).toMatch(/cam_rotator_cam_calls_total\{account="main",action="CreateAccessKey",code="OK"\} [1-9]/);
    expect(metrics).toMatch(
      /cam_rotator_cam_calls_total\{account="main",action="CreateAccessKey",code="AuthFailure.UnauthorizedOperation"\} 1/
    );
    expect(metrics).toMatch(/cam_rotator_keys_flagged_total\{account="main",reason="foreign-key"\} 2/);
    expect(metrics).toMatch(/cam_rotator_queue_jobs\{state="delayed"\} \d+/);
    expect(metrics).toContain("cam_rotator_limiter_waits_total");
  });

  it("no command or worker output contains a secret", async () => {
    const vault = await world.vault();
    const secrets = [...world.secrets];
    for (const uin of [DEPLOYER, REPORTER, LEGACY]) {
      const current = await vault.readCurrent({ account: "main", uin });
      if (current) secrets.push(current.value.SecretKey);
    }
    await vault.close();
    const everything = [...outputs, worker.output().stdout, worker.output().stderr].join("\n");
    expect(everything.length).toBeGreaterThan(1000);
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});
