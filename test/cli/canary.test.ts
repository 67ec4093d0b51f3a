// `cam-rotator canary` through the binary, against the simulator, Redis and moto: every step held (exit 0), a
// permission removed (exit 1, the missing policy line named), a slow new key (the time it took), --json, and no
// secret in any output.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CanaryReport } from "../../src/canary/steps.js";
import { createCliEnv, ROTATOR_UIN, type CliEnv, type RunResult } from "./cli-env.js";

const CANARY = 100000000031;
const FULL = 100000000032;

let world: CliEnv;
const outputs: string[] = [];

beforeAll(async () => {
  world = await createCliEnv({
    users: [
      { uin: CANARY, name: "canary", keys: [{}] },
      { uin: FULL, name: "full", keys: [{}, {}] },
    ],
  });
}, 30_000);
afterAll(async () => {
  for (const output of outputs) for (const secret of world.secrets) expect(output).not.toContain(secret);
  await world?.close();
});
beforeEach(() => {
  world.sim.simulator.setSwitches({ newKeyAuthDelayMs: 0 });
  world.sim.simulator.setUserSwitches({ uin: ROTATOR_UIN, deny: [] });
});

async function canary(...args: string[]): Promise<RunResult> {
  const result = await world.run(["canary", "--account", "main", ...args, "--config", world.configPath], {
    timeoutMs: 60_000,
  });
  outputs.push(result.stdout, result.stderr);
  return result;
}

const keysOf = (uin: number) =>
  world.sim.simulator
    .snapshot()
    .accounts.flatMap((account) => account.users)
    .find((user) => user.uin === uin)
    ?.keys.map((key) => key.accessKeyId) ?? [];

/** Every secret the simulator handed out so far is unknown to the test; the new keys' ids are checked instead. */
const createdIds = () =>
  world.sim.simulator.requests().filter((entry) => entry.action === "CreateAccessKey" && entry.outcome === "OK");

describe("cam-rotator canary", () => {
  it("against the simulator: every step ok, timed, exit 0; the canary is left as it was", async () => {
    const before = keysOf(CANARY);
    const { code, stdout, stderr } = await canary("--uin", String(CANARY));
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines.map((line) => line.split(/\s{2,}/)[0] + " " + line.split(/\s{2,}/)[2])).toEqual([
      "ok credentials",
      "ok ListUsers",
      "ok GetUserAppId",
      "ok ListAccessKeys",
      "ok CreateAccessKey",
      "ok authenticate",
      "ok GetSecurityLastUsed",
      "ok UpdateAccessKey",
      "ok DeleteAccessKey",
      expect.stringMatching(/^canary main/),
    ]);
    expect(stdout).toContain(`signed in as uin ${ROTATOR_UIN} of account 100000000001 (CAMUser`);
    expect(stdout).toMatch(
      new RegExp(`authenticated as uin ${CANARY} of account 100000000001, \\d+ ms after CreateAccessKey`)
    );
    expect(stdout).toMatch(/new key: LastUsedDate \d{4}-\d{2}-\d{2}, LastSecretUsedDate \d{4}-/);
    expect(stdout).toMatch(/^ok\s+\d+\.\ds\s+CreateAccessKey/m);
    expect(lines.at(-1)).toMatch(/every step held; the new key authenticated after \d+ ms/);
    expect(keysOf(CANARY)).toEqual(before);
  });

  it("with a permission removed: exit 1, the step fails naming the missing policy line, and nothing is left behind", async () => {
    world.sim.simulator.setUserSwitches({ uin: ROTATOR_UIN, deny: ["CreateAccessKey"] });
    const before = keysOf(CANARY);
    const { code, stdout } = await canary("--uin", String(CANARY));
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^FAIL\s+\d+\.\ds\s+CreateAccessKey\s+denied \(AuthFailure\.UnauthorizedOperation\): the policy lacks "cam:CreateAccessKey"/m
    );
    expect(stdout).toMatch(/^skip\s+0\.0s\s+authenticate/m);
    expect(stdout.trim().split("\n").at(-1)).toBe(
      `canary main/${CANARY}: failed at CreateAccessKey; add to the rotator's policy: "cam:CreateAccessKey"`
    );
    expect(keysOf(CANARY)).toEqual(before);
  });

  it("names every missing line when several are removed, and says when its key could not be deleted", async () => {
    world.sim.simulator.setUserSwitches({ uin: ROTATOR_UIN, deny: ["GetUserAppId", "DeleteAccessKey"] });
    const before = keysOf(CANARY);
    const { code, stdout } = await canary("--uin", String(CANARY));
    expect(code).toBe(1);
    expect(stdout).toContain('the policy lacks "cam:GetUserAppId"');
    expect(stdout).toMatch(
      /the policy lacks "cam:DeleteAccessKey"; new key AKID\w+ is still there \(Inactive\): delete it by hand/
    );
    expect(stdout).toContain(`add to the rotator's policy: "cam:GetUserAppId", "cam:DeleteAccessKey"`);
    const left = keysOf(CANARY).filter((id) => !before.includes(id));
    expect(left).toHaveLength(1);
    world.sim.simulator.setUserSwitches({ uin: ROTATOR_UIN, deny: [] });
    const admin = world.sim.simulator.snapshot();
    expect(
      admin.accounts[0]!.users.find((user) => user.uin === CANARY)!.keys.find((key) => key.accessKeyId === left[0])!
        .status
    ).toBe("Inactive");
    // Clean up by hand, as the message says, for the next test.
    const { createCamClient } = await import("../../src/cam/client.js");
    const cam = createCamClient(
      {
        name: "main",
        endpoint: world.sim.url,
        credentials: { secretId: world.env.TEST_MAIN_SECRET_ID!, secretKey: world.env.TEST_MAIN_SECRET_KEY! },
      },
      { gate: { admit: async () => undefined, penalize: async () => undefined } }
    );
    await cam.deleteAccessKey(CANARY, left[0]!);
  });

  it("--json: one report with each step, the time the new key took to authenticate and how CAM reported its last use", async () => {
    world.sim.simulator.setSwitches({ newKeyAuthDelayMs: 1_000 });
    const { code, stdout, stderr } = await canary("--uin", String(CANARY), "--json");
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as CanaryReport;
    expect(report).toMatchObject({
      account: "main",
      uin: CANARY,
      ok: true,
      lastUse: {
        reported: true,
        lastUsedDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        lastSecretUsedDate: expect.any(Number),
      },
    });
    expect(report.steps.map((step) => step.status)).toEqual(Array(9).fill("ok"));
    expect(report.authenticatedAfterMs).toBeGreaterThanOrEqual(1_000);
    expect(report.steps.find((step) => step.step === "authenticate")!.detail).toMatch(/\d+ attempts/);
    expect(stderr).toContain("CreateAccessKey");
    expect(createdIds().length).toBeGreaterThan(0);
  });

  it("a canary that already holds two keys fails at ListAccessKeys and creates nothing", async () => {
    const creates = createdIds().length;
    const { code, stdout } = await canary("--uin", String(FULL));
    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAIL.*ListAccessKeys\s+the canary already holds two keys/m);
    expect(stdout).toMatch(/^skip.*CreateAccessKey/m);
    expect(createdIds().length).toBe(creates);
  });

  it("a UIN that is not in the account's users is a usage error (exit 2), and nothing is called", async () => {
    const { code, stderr } = await canary("--uin", "100000000099");
    expect(code).toBe(2);
    expect(stderr).toContain("UIN 100000000099 is not in");
  });
});
