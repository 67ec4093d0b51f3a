// `npm run demo`, the README's first command: exits 0 well within a minute and prints what happened, with a
// private redis-server (a fresh machine) and with REDIS_URL (its keys are removed afterwards).
import { spawn } from "node:child_process";
import { Redis } from "ioredis";
import { describe, expect, inject, it } from "vitest";

function demo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn("npm", ["run", "--silent", "demo"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    })
  );
}

function expectFullStory(stdout: string): void {
  expect(stdout).toMatch(
    /alice .*\n\s+rotated AKID\w+ -> AKID\w+\n\s+old key AKID\w+ deactivated[^\n]*\n\s+old key AKID\w+ deleted/
  );
  expect(stdout).toMatch(
    /bob .*\n\s+made room: deleted AKID\w+ \(our previous key, already Inactive\)\n\s+rotated AKID\w+ -> AKID\w+/
  );
  expect(stdout).toMatch(
    /carol .*\n\s+AKID\w+ is not the rotator's \(foreign-key\): flagged for removal, rotation parked/
  );
  expect(stdout).toMatch(/dave .*\n\s+rotated \(no key\) -> AKID\w+/);
  expect(stdout).toContain('cam_rotator_rotations_total{account="demo",result="rotated"} 4');
  expect(stdout).toMatch(/done in \d+\.\d s/);
}

describe("npm run demo", () => {
  it("runs on a private redis-server and exits 0 in under a minute", async () => {
    const run = await demo({});
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("private redis-server");
    expectFullStory(run.stdout);
    expect(run.ms).toBeLessThan(60_000);
    console.log(`npm run demo (private redis-server): ${(run.ms / 1000).toFixed(1)} s`);
  }, 70_000);

  it("uses REDIS_URL when it answers, and leaves no keys behind", async () => {
    const run = await demo({ REDIS_URL: inject("redisUrl") });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Redis REDIS_URL (keys under cam-rotator-demo-");
    expectFullStory(run.stdout);
    const prefix = /keys under (cam-rotator-demo-[0-9a-f]+)/.exec(run.stdout)![1];
    const redis = new Redis(inject("redisUrl"));
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    await redis.quit();
    console.log(`npm run demo (REDIS_URL): ${(run.ms / 1000).toFixed(1)} s`);
  }, 70_000);
});
