// `cam-rotator cam-sim` as users run it: the built binary prints one JSON line when ready, serves the seed,
// stops on SIGTERM, refuses a bad seed with exit code 2 and the path in the seed, and a taken port with exit 1.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { control, fixtureKeys, fixtureSeed, OWNER_UIN, rawSdk } from "../support/simulator.js";

const CLI = "dist/cli.js";

// dist/ is fresh: test/global-setup.ts rebuilds it once before any test when src/ is newer.

const dir = mkdtempSync(join(tmpdir(), "cam-sim-cli-"));
function seedFile(name: string, seed: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(seed));
  return path;
}

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

function collect(stream: NodeJS.ReadableStream | null): () => string {
  let text = "";
  stream?.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  return () => text;
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

describe("cam-rotator cam-sim", () => {
  it("prints one JSON line when ready, serves the seed through the SDK, and stops on SIGTERM", async () => {
    const keys = fixtureKeys();
    const child = run(["cam-sim", "--port", "0", "--seed", seedFile("seed.json", fixtureSeed(keys))]);
    const exited = exitOf(child);
    const stdout = collect(child.stdout);
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`cam-sim exited with ${code} before it was ready`)));
    });
    const { listening } = JSON.parse(firstLine) as { listening: string };
    expect(listening).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(new URL(listening).port);
    expect(port).toBeGreaterThan(0);

    const response = await rawSdk(`127.0.0.1:${port}`, keys.root).request("GetUserAppId", {});
    expect(response.OwnerUin).toBe(String(OWNER_UIN));
    expect((await control(listening, "GET", "/_sim/state")).json).toMatchObject({
      accounts: [{ ownerUin: OWNER_UIN }, {}],
    });

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stdout().trim().split("\n")).toEqual([firstLine]);
  });

  it("refuses a bad seed: exit 2, stderr names the file and the path in the seed, nothing on stdout", async () => {
    const path = seedFile("bad.json", { accounts: [{ ownerUin: 1, appId: 2, users: [{ uin: "x", name: "a" }] }] });
    const child = run(["cam-sim", "--port", "0", "--seed", path]);
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    expect(await exitOf(child)).toBe(2);
    expect(stderr()).toContain(path);
    expect(stderr()).toContain('accounts[0].users[0].uin: expected a positive integer, got "x"');
    expect(stdout()).toBe("");
  });

  it("exits 1 when it cannot listen (the port is taken), naming the address, nothing on stdout", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const child = run(["cam-sim", "--port", String(port)]);
      const stdout = collect(child.stdout);
      const stderr = collect(child.stderr);
      expect(await exitOf(child)).toBe(1);
      expect(stderr()).toContain(`cam-sim: cannot listen on 127.0.0.1:${port}`);
      expect(stdout()).toBe("");
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("refuses a bad --port with exit 2 and a usage hint", async () => {
    const child = run(["cam-sim", "--port", "http"]);
    const stderr = collect(child.stderr);
    expect(await exitOf(child)).toBe(2);
    expect(stderr()).toMatch(/--port/);
    expect(stderr()).toMatch(/--help/);
  });
});
