// Worker processes for the benchmark and the chaos suite: spawned with a config file and an environment,
// their stdout and stderr captured whole (the secret scan reads them), readiness awaited from their output,
// CPU time read from /proc/<pid>/stat, and stopped by SIGTERM (or killed by SIGKILL).
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
export const CLI = join(ROOT, "dist/cli.js");
/** Linux reports CPU time in clock ticks of 1/100 s (getconf CLK_TCK). */
const TICK_MS = 10;

export interface ProcessCommand {
  /** For messages: "worker 2". */
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** True for the stdout line that says the process is ready; it may return a value to keep (a URL). */
  ready: (line: string) => boolean;
}

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the ready line; rejects if the process exits first or takes longer than 60 s. */
  readonly ready: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** User + system CPU time so far, in ms; the last value read once the process is gone. */
  cpuMs(): number;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
  alive(): boolean;
}

export function startProcess(command: ProcessCommand): ManagedProcess {
  const child = spawn(process.execPath, command.args, {
    cwd: ROOT,
    env: command.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let pending = "";
  let lastCpu = 0;
  let onReady: ((line: string) => void) | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal }))
  );
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command.name} not ready within 60 s:\n${tail(out)}\n${tail(err)}`)),
      60_000
    );
    onReady = (line) => {
      clearTimeout(timer);
      resolve(line);
    };
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${command.name} exited (${code ?? signal}) before it was ready:\n${tail(out)}\n${tail(err)}`));
    });
  });
  ready.catch(() => undefined);
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (onReady && command.ready(line)) {
        onReady(line);
        onReady = undefined;
      }
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const cpuMs = () => {
    if (!alive()) return lastCpu;
    lastCpu = readCpuMs(child.pid!) ?? lastCpu;
    return lastCpu;
  };
  return {
    name: command.name,
    child,
    pid: child.pid!,
    ready,
    exited,
    stdout: () => out,
    stderr: () => err,
    cpuMs,
    alive,
    async stop(graceMs = 10_000) {
      if (!alive()) return;
      cpuMs();
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (!alive()) return;
      cpuMs();
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** utime + stime of a live process, in ms; undefined when it is gone. */
export function readCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are plain.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** The pid of a process listening as `-p <port>` (moto_server), found in /proc; undefined when none. */
export function pidByPortArgument(port: number): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      const flag = args.indexOf("-p");
      if (flag >= 0 && args[flag + 1] === String(port) && args.some((arg) => arg.includes("moto_server")))
        return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

/** The `worker ready` line of the daemon's pino log, with the HTTP URL it serves /metrics on. */
export function daemonReady(line: string): boolean {
  return parseJson(line)?.msg === "worker ready";
}

export function metricsUrlOf(readyLine: string): string | undefined {
  const http = parseJson(readyLine)?.http;
  return typeof http === "string" ? `${http.replace(/\/$/, "")}/metrics` : undefined;
}

export function jsonReady(line: string): boolean {
  return parseJson(line)?.ready === true;
}

function parseJson(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function tail(text: string): string {
  return text.split("\n").slice(-15).join("\n");
}
