// A world for tests that spawn the real binary (`node dist/cli.js`): the CAM simulator in this process, a config
// file in a temp dir pointing at the shared Redis (unique prefix) and moto (unique secret names), and the
// environment the binary needs (credentials, AWS test credentials). Run `npm run build` first.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { startCamSimulator, type RunningCamSimulator, type SeedInput } from "../../src/cam/simulator/index.js";
import { newAccessKeyId, newSecretAccessKey } from "../../src/cam/simulator/ids.js";
import { RECORD_KEY_ENV } from "../../src/jobs/record-mac.js";
import { createAwsSecretsManagerVault, type Vault } from "../../src/vault/index.js";
import { TEST_RECORD_KEY } from "../support/rig-constants.js";

export const CLI = join(import.meta.dirname, "../../dist/cli.js");
export const OWNER_UIN = 100000000001;
export const ROTATOR_UIN = 100000000002;

export interface SeedUser {
  uin: number;
  name: string;
  /** Keys the user already holds: "vault" ones are put in the vault as current (the last one) / previous. */
  keys?: Array<{ status?: "Active" | "Inactive"; createTime?: string; inVault?: "current" | "previous" }>;
}

export interface CliEnvOptions {
  users: SeedUser[];
  /** Merged into the account's config. */
  account?: Record<string, unknown>;
  /** Merged into the top level of the config. */
  config?: Record<string, unknown>;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  dir: string;
  configPath: string;
  prefix: string;
  sim: RunningCamSimulator;
  env: NodeJS.ProcessEnv;
  /** Every SecretAccessKey this test knows of, to check that no output ever contains one. */
  secrets: string[];
  keyIds: Map<number, string[]>;
  vault(): Promise<Vault>;
  run(args: string[], options?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  spawn(args: string[], options?: { env?: NodeJS.ProcessEnv }): Spawned;
  writeConfig(raw: unknown, name?: string): string;
  close(): Promise<void>;
}

export interface Spawned {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** Resolves with the first stdout line (JSON log or text) for which `match` is true. */
  waitFor(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

export function requireBuild(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before these tests`);
}

export async function createCliEnv(options: CliEnvOptions): Promise<CliEnv> {
  requireBuild();
  const dir = mkdtempSync(join(tmpdir(), "cam-rotator-cli-"));
  const root = { accessKeyId: newAccessKeyId(), secretAccessKey: newSecretAccessKey() };
  const secrets = [root.secretAccessKey];
  const keyIds = new Map<number, string[]>();
  const vaultSeeds: Array<{
    uin: number;
    stage: "current" | "previous";
    accessKeyId: string;
    secret: string;
    createTime: string;
  }> = [];
  const seed: SeedInput = {
    accounts: [
      {
        ownerUin: OWNER_UIN,
        appId: 1300000001,
        users: [
          { uin: OWNER_UIN, name: "root", keys: [] },
          { uin: ROTATOR_UIN, name: "rotator", admin: true, keys: [{ ...root, status: "Active" }] },
          ...options.users.map((user) => ({
            uin: user.uin,
            name: user.name,
            keys: (user.keys ?? []).map((spec) => {
              const key = { accessKeyId: newAccessKeyId(), secretAccessKey: newSecretAccessKey() };
              const createTime = spec.createTime ?? "2025-01-01 08:00:00";
              secrets.push(key.secretAccessKey);
              keyIds.set(user.uin, [...(keyIds.get(user.uin) ?? []), key.accessKeyId]);
              if (spec.inVault)
                vaultSeeds.push({
                  uin: user.uin,
                  stage: spec.inVault,
                  accessKeyId: key.accessKeyId,
                  secret: key.secretAccessKey,
                  createTime,
                });
              return { ...key, status: spec.status ?? "Active", createTime };
            }),
          })),
        ],
      },
    ],
  };
  const sim = await startCamSimulator({ seed });
  const prefix = `t-${randomUUID()}`;
  const raw = {
    redis: { url: inject("redisUrl"), prefix },
    vault: {
      type: "aws-secrets-manager",
      region: "us-east-1",
      endpoint: inject("motoUrl"),
      nameTemplate: `t-${randomUUID()}/{account}/{uin}`,
    },
    accounts: [
      {
        name: "main",
        endpoint: sim.url,
        credentials: { secretIdEnv: "TEST_MAIN_SECRET_ID", secretKeyEnv: "TEST_MAIN_SECRET_KEY" },
        users: options.users.map((user) => user.uin),
        schedule: "0 3 * * *",
        timezone: "UTC",
        maxKeyAgeDays: 90,
        // The simulator reports uses at once (its lag switch is off), so no lag to wait for.
        retire: { deactivateAfter: "1h", deleteAfter: "1h", lastUsedLag: "0s" },
        overLimit: "auto",
        requestTimeout: "3s",
        ...options.account,
      },
    ],
    rotation: { verifyTimeout: "5s", parkRecheck: "1m", attempts: 4, keepFailed: 50 },
    // Limiter keys are shared by every deployment on a Redis (per owner UIN); a namespace of its own keeps this
    // world's windows apart from other test files' that run at the same time with the same owner.
    limiter: { namespace: prefix },
    http: { host: "127.0.0.1", port: 0 },
    ...options.config,
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_OPTIONS: "",
    TEST_MAIN_SECRET_ID: root.accessKeyId,
    TEST_MAIN_SECRET_KEY: root.secretAccessKey,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
    LOG_LEVEL: "info",
    [RECORD_KEY_ENV]: TEST_RECORD_KEY.toString("base64"),
  };
  const writeConfig = (value: unknown, name = "config.json") => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value, null, 2));
    return path;
  };
  const configPath = writeConfig(raw);
  const openVault = async () =>
    createAwsSecretsManagerVault({
      region: "us-east-1",
      endpoint: raw.vault.endpoint,
      nameTemplate: raw.vault.nameTemplate,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
  if (vaultSeeds.length > 0) {
    const vault = await openVault();
    // Previous first, so that promoting the current one leaves it as AWSPREVIOUS.
    for (const entry of [...vaultSeeds].sort((a, b) => (a.stage === b.stage ? 0 : a.stage === "previous" ? -1 : 1))) {
      const ref = { account: "main", uin: entry.uin };
      const { versionId } = await vault.stagePending(ref, randomUUID(), {
        SecretId: entry.accessKeyId,
        SecretKey: entry.secret,
        Uin: entry.uin,
        Account: "main",
        CreateTime: entry.createTime,
        RotatedAt: "2025-01-01T00:00:00.000Z",
      });
      await vault.promote(ref, versionId);
    }
    await vault.close();
  }
  const children: ChildProcess[] = [];
  const spawnCli = (args: string[], spawnOptions: { env?: NodeJS.ProcessEnv } = {}): Spawned => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...env, ...spawnOptions.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let stdout = "";
    let stderr = "";
    const waiters: Array<{ match: (line: string) => boolean; resolve: (line: string) => void }> = [];
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        for (const waiter of [...waiters]) {
          if (waiter.match(line)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(line);
          }
        }
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return {
      child,
      exited,
      output: () => ({ stdout, stderr }),
      waitFor(match, timeoutMs = 15_000) {
        const already = stdout.split("\n").find(match);
        if (already !== undefined) return Promise.resolve(already);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`timed out waiting for output; stdout:\n${stdout}\nstderr:\n${stderr}`)),
            timeoutMs
          );
          waiters.push({
            match,
            resolve: (line) => {
              clearTimeout(timer);
              resolve(line);
            },
          });
          void exited.then((code) => {
            clearTimeout(timer);
            reject(new Error(`exited ${code} before the expected output; stdout:\n${stdout}\nstderr:\n${stderr}`));
          });
        });
      },
    };
  };
  return {
    dir,
    configPath,
    prefix,
    sim,
    env,
    secrets,
    keyIds,
    writeConfig,
    vault: openVault,
    spawn: spawnCli,
    async run(args, runOptions = {}) {
      const spawned = spawnCli(args, runOptions.env ? { env: runOptions.env } : {});
      const timer = setTimeout(() => spawned.child.kill("SIGKILL"), runOptions.timeoutMs ?? 20_000);
      const code = await spawned.exited;
      clearTimeout(timer);
      return { code, ...spawned.output() };
    },
    async close() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Parses JSON log lines (pino) out of a stdout dump. */
/** Runs the binary against the world's config, keeping every output for a secret scan at the end. */
export function configuredCli(world: () => CliEnv, outputs: string[]): (...args: string[]) => Promise<RunResult> {
  return async (...args) => {
    const result = await world().run([...args, "--config", world().configPath], { timeoutMs: 60_000 });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
}

export function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout.split("\n").flatMap((line): Array<Record<string, unknown>> => {
    try {
      const value = JSON.parse(line) as unknown;
      return typeof value === "object" && value !== null ? [value as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}
