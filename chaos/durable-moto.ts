// A moto_server that survives its own restart with its secrets intact, as AWS Secrets Manager would. moto keeps
// state in memory only, so the state is carried over by moto's recorder: every request is appended to a
// recording; a restart starts a new moto_server process on a new port, replays the recording's writes into it
// (reads change nothing and are left out), and points the forwarder (the fixed URL the workers use) at it. The
// workers see what a real restart looks like: connections cut, refusals, then the same secrets again.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startMotoServer, type LocalService } from "../test/support/services.js";
import { startForwarder, type Forwarder } from "./forwarder.js";

export interface DurableMoto {
  /** The forwarder's URL: the vault endpoint for workers and the driver. */
  readonly url: string;
  /** Kills moto_server, starts a new one, replays the writes; resolves when it serves again. */
  restart(): Promise<{ outageMs: number; replayed: number }>;
  /** Forgets every secret (between chaos iterations, so that recordings stay short). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Secrets Manager actions that change nothing; left out of the replay. */
const READS =
  /secretsmanager\.(GetSecretValue|DescribeSecret|ListSecrets|ListSecretVersionIds|BatchGetSecretValue|GetRandomPassword|GetResourcePolicy)"/;

export async function startDurableMoto(dir: string): Promise<DurableMoto> {
  let generation = 0;
  let recording = join(dir, `moto-recording-${generation}.jsonl`);
  let moto = await startRecordingMoto(recording);
  const forwarder: Forwarder = await startForwarder(moto.port);
  const control = (path: string) =>
    fetch(`${moto.url}/moto-api/${path}`, { method: "POST" }).then(async (response) => {
      if (!response.ok) throw new Error(`moto ${path} answered ${response.status}: ${await response.text()}`);
    });

  return {
    url: forwarder.url,
    async restart() {
      const started = Date.now();
      await forwarder.down();
      await moto.stop();
      const writes = readFileSync(recording, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "" && !READS.test(line));
      generation++;
      const next = join(dir, `moto-recording-${generation}.jsonl`);
      writeFileSync(next, writes.length > 0 ? `${writes.join("\n")}\n` : "");
      recording = next;
      moto = await startRecordingMoto(recording);
      // The replay runs inside moto (it sends each request to itself, not recording them); afterwards it records
      // again, appending to the same file, so the next restart carries everything over.
      await control("recorder/replay-recording");
      forwarder.retarget(moto.port);
      await forwarder.up();
      return { outageMs: Date.now() - started, replayed: writes.length };
    },
    async reset() {
      await control("reset");
      await control("recorder/reset-recording");
    },
    async close() {
      await forwarder.close();
      await moto.stop();
    },
  };
}

/** moto_server with its recorder on, writing to `file`; the recorder is configured through the environment. */
async function startRecordingMoto(file: string): Promise<LocalService> {
  const saved = { enable: process.env.MOTO_ENABLE_RECORDING, path: process.env.MOTO_RECORDER_FILEPATH };
  process.env.MOTO_ENABLE_RECORDING = "True";
  process.env.MOTO_RECORDER_FILEPATH = file;
  try {
    return await startMotoServer();
  } finally {
    restore("MOTO_ENABLE_RECORDING", saved.enable);
    restore("MOTO_RECORDER_FILEPATH", saved.path);
  }
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
