// The chaos suite's worker processes: each is test/support/worker-process.ts, which builds the daemon's parts
// from the config (Redis gate, CAM clients, vault, engine) with short BullMQ locks, so that the job of a worker
// killed with SIGKILL is picked up by another within seconds (the daemon's default lock is 30 s). Slots are
// killed and restarted; every process's output is kept for the secret scan.
import { startProcess, jsonReady, type ManagedProcess } from "../bench/processes.js";

const WORKER_ENTRY = "test/support/worker-process.ts";

export interface WorkerPool {
  readonly size: number;
  /** Starts every slot and waits until each takes jobs. */
  start(): Promise<void>;
  alive(slot: number): boolean;
  /** SIGKILL: no shutdown, no hand-back; its jobs stall until their lock lapses. */
  kill(slot: number): Promise<void>;
  /** A new process in the slot, awaited until ready; with `config`, built from that config instead of the fleet's. */
  restart(slot: number, config?: unknown): Promise<void>;
  /** SIGTERM: the process hands its jobs back and withdraws its config fingerprint. */
  stopSlot(slot: number): Promise<void>;
  /** stdout + stderr of every process ever started. */
  outputs(): string[];
  stop(): Promise<void>;
}

export function workerPool(
  size: number,
  argument: { config: unknown; secretsFile: string; fleet?: { ttlMs: number; intervalMs: number } },
  env: NodeJS.ProcessEnv
): WorkerPool {
  const slots = new Array<ManagedProcess | undefined>(size).fill(undefined);
  const everyProcess: ManagedProcess[] = [];
  let started = 0;
  const launch = async (slot: number, config: unknown = argument.config) => {
    const worker = startProcess({
      name: `chaos worker ${++started}`,
      env,
      ready: jsonReady,
      args: ["--import", "tsx", WORKER_ENTRY, JSON.stringify({ ...argument, config })],
    });
    slots[slot] = worker;
    everyProcess.push(worker);
    await worker.ready;
  };
  return {
    size,
    async start() {
      await Promise.all(slots.map((_, slot) => launch(slot)));
    },
    alive: (slot) => slots[slot]?.alive() ?? false,
    async kill(slot) {
      await slots[slot]?.kill();
    },
    restart: (slot, config) => launch(slot, config),
    async stopSlot(slot) {
      await slots[slot]?.stop(5_000);
    },
    outputs: () => everyProcess.map((worker) => worker.stdout() + worker.stderr()),
    async stop() {
      await Promise.all(
        slots.map(async (worker) => {
          await worker?.stop(5_000);
        })
      );
    },
  };
}
