// Private local services for the demo, the tests and the benchmarks: a redis-server and a moto_server, each on a
// free loopback port, never the developer's own instance on 6379.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface LocalService {
  readonly url: string;
  readonly port: number;
  /** Stops the process (SIGTERM, then SIGKILL after 3 s) and removes its scratch directory. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServerOptions {
  port?: number;
  /** Keep an append-only file in `dir`, so a restart on the same dir loses nothing. */
  appendOnly?: boolean;
  /** Data directory; a fresh temporary one when absent. */
  dir?: string;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<LocalService & { dir: string }> {
  const port = options.port ?? (await freePort());
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "cam-rotator-redis-"));
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--dir",
    dir,
    "--appendonly",
    options.appendOnly ? "yes" : "no",
    "--appendfsync",
    "always",
    "--maxmemory-policy",
    "noeviction",
    "--protected-mode",
    "yes",
  ];
  const child = await spawnService(
    "redis-server",
    args,
    "redis-server is not installed. Install it with `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis`."
  );
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(child, "redis-server", () => redisPing(port));
  return {
    url,
    port,
    dir,
    stop: async () => {
      await stopChild(child);
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startMotoServer(options: { port?: number } = {}): Promise<LocalService> {
  const port = options.port ?? (await freePort());
  const child = await spawnService(
    "moto_server",
    ["-H", "127.0.0.1", "-p", String(port)],
    "moto_server is not installed. Install it with `pip install 'moto[server]'` (Python 3), or run the motoserver/moto image."
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(child, "moto_server", async () => (await fetch(`${url}/moto-api/`)).status < 500);
  return { url, port, stop: () => stopChild(child) };
}

async function spawnService(command: string, args: string[], installHint: string): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr?.resume();
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new Error(installHint) : error)
    );
  });
  return child;
}

async function waitFor(child: ChildProcess, name: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} during start-up`);
    if (await probe().catch(() => false)) return;
    await sleep(50);
  }
  await stopChild(child);
  throw new Error(`${name} did not become ready within 15 s`);
}

async function redisPing(port: number): Promise<boolean> {
  const { Socket } = await import("node:net");
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(timer);
}
