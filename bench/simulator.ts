// The benchmark's handle on the simulator child process (simulator-process.ts): reset with a seed and read the
// counters over its control plane, and read the secrets it issued from its file.
import { readFileSync, writeFileSync } from "node:fs";
import type { ActionCounters, LoggedRequest, SeedInput } from "../src/cam/simulator/index.js";
import { startProcess, type ManagedProcess } from "./processes.js";

export interface SimulatorHandle {
  readonly url: string;
  readonly process: ManagedProcess;
  /** Replaces users, keys, rate windows, counters, faults and the request log. */
  reset(seed: SeedInput): Promise<void>;
  counters(): Promise<Record<string, ActionCounters>>;
  /** The request log since the last reset (key ids, never secrets). */
  requests(): Promise<LoggedRequest[]>;
  /** Every SecretAccessKey it created so far (seeded ones are not included). */
  issuedSecrets(): string[];
  close(): Promise<void>;
}

export async function startSimulatorProcess(secretsFile: string, env: NodeJS.ProcessEnv): Promise<SimulatorHandle> {
  writeFileSync(secretsFile, "");
  const child = startProcess({
    name: "simulator",
    env,
    args: ["--import", "tsx", "bench/simulator-process.ts", secretsFile],
    ready: (line) => line.startsWith('{"listening"'),
  });
  const url = (JSON.parse(await child.ready) as { listening: string }).listening;
  const control = async (method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`simulator ${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as unknown;
  };
  return {
    url,
    process: child,
    async reset(seed) {
      await control("POST", "/_sim/reset", seed);
    },
    async counters() {
      return ((await control("GET", "/_sim/state")) as { counters: Record<string, ActionCounters> }).counters;
    },
    requests: async () => (await control("GET", "/_sim/requests")) as LoggedRequest[],
    issuedSecrets: () =>
      readFileSync(secretsFile, "utf8")
        .split("\n")
        .filter((line) => line !== ""),
    close: () => child.stop(),
  };
}
