// Runs TypeScript scripts as separate Node processes (through tsx) that start their work at the same moment:
// each child warms up, prints {"ready":true}, and waits for a line on stdin; when all are ready the parent
// sends "go". Each child's last stdout line is its JSON result. Used by the limiter benchmark and tests.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface ChildRunOptions {
  /** Every line a child prints before its result, e.g. progress. */
  onLine?: (child: number, line: string) => void;
  /** Extra environment variables for the children (e.g. a secret that must not appear in argv). */
  env?: Record<string, string>;
  /** The whole run is abandoned (children killed) after this long. Default 120 s. */
  timeoutMs?: number;
}

/** Spawns one child per argument list, releases them together, and returns their results in order. */
export async function runChildren(
  script: string,
  argLists: string[][],
  options: ChildRunOptions = {}
): Promise<unknown[]> {
  const children = argLists.map((args) =>
    spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd: PROJECT_ROOT,
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, ...options.env },
    })
  );
  const timer = setTimeout(() => children.forEach((child) => child.kill("SIGKILL")), options.timeoutMs ?? 120_000);
  try {
    let ready = 0;
    const releaseWhenAllReady = () => {
      if (++ready === children.length) children.forEach((child) => child.stdin?.end("go\n"));
    };
    return await Promise.all(
      children.map((child, index) => collect(child, index, releaseWhenAllReady, options.onLine))
    );
  } finally {
    clearTimeout(timer);
    children.forEach((child) => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
  }
}

async function collect(
  child: ChildProcess,
  index: number,
  onReady: () => void,
  onLine?: (child: number, line: string) => void
): Promise<unknown> {
  let last = "";
  const lines = createInterface({ input: child.stdout! });
  lines.on("line", (line) => {
    if (line === READY_LINE) return onReady();
    if (last !== "") onLine?.(index, last);
    last = line;
  });
  // "close", not "exit": only then has all of the child's stdout been read.
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0) throw new Error(`child ${index} (${child.spawnargs.slice(2).join(" ")}) exited with code ${code}`);
  try {
    return JSON.parse(last) as unknown;
  } catch {
    throw new Error(`child ${index}: last line is not JSON: ${last.slice(0, 200)}`);
  }
}

const READY_LINE = JSON.stringify({ ready: true });

/** Child side: announce readiness and wait for the parent's "go". */
export async function readyThenWaitForGo(): Promise<void> {
  process.stdout.write(`${READY_LINE}\n`);
  await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
  process.stdin.pause();
}
