// A rotation worker in a process of its own, built from a config by the daemon's own openRuntime (Redis gate and
// its rotation turns, CAM client per account with credentials from the environment, the configured vault, the
// engine), with the tests' short timings. With `crashAfter` (a rotate step) the process kills itself with SIGKILL
// right after that step is recorded, so crash tests can prove a restart converges (P7) at every step boundary.
//   node --import tsx test/support/worker-process.ts '{"config": {...}, "secretsFile": "/tmp/...", "crashAfter": "create", "fleet": {...}}'
// Every SecretAccessKey CreateAccessKey hands this process is appended to `secretsFile` (test side only), so
// the secret scan can look for keys whose secret died with the process. With `fleet` ({ ttlMs, intervalMs }) it
// runs the daemon's fleet check too (the chaos suite's config drift): its worker takes jobs only while every live
// fingerprint under the prefix equals its own.
import { appendFileSync } from "node:fs";
import { parseConfig } from "../../src/config/index.js";
import { configFingerprint } from "../../src/daemon/config-fingerprint.js";
import { createFleetGuard } from "../../src/daemon/fleet-guard.js";
import { openRuntime } from "../../src/daemon/open-runtime.js";
import { RECORD_KEY_ENV } from "../../src/jobs/record-mac.js";
import type { RotateStep } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/log.js";
import { recordingCam, TEST_RECORD_KEY, TEST_TUNING } from "./rig-constants.js";

const {
  config: raw,
  secretsFile,
  crashAfter,
  fleet,
} = JSON.parse(process.argv[2] ?? "{}") as {
  config: unknown;
  secretsFile?: string;
  crashAfter?: RotateStep;
  fleet?: { ttlMs: number; intervalMs: number };
};
const config = parseConfig(raw, "worker-process argv");
const log = createLogger({ level: "debug", name: "worker-process" });
// The fleet's key when the caller gives one (the chaos suite's driver approves with it), else the tests' key.
const env = { ...process.env, [RECORD_KEY_ENV]: process.env[RECORD_KEY_ENV] || TEST_RECORD_KEY.toString("base64") };
const runtime = await openRuntime(config, {
  log,
  env,
  role: "worker",
  seams: {
    tuning: TEST_TUNING,
    ...(secretsFile
      ? { wrapCam: (cam) => recordingCam(cam, (made) => appendFileSync(secretsFile, `${made.secretAccessKey}\n`)) }
      : {}),
    ...(crashAfter
      ? {
          afterStep: (step) => {
            if (step === crashAfter) process.kill(process.pid, "SIGKILL");
          },
        }
      : {}),
  },
});
const worker = runtime.engine.startWorker({ concurrency: 2, paused: fleet !== undefined });
const guard =
  fleet &&
  createFleetGuard({
    redis: runtime.redis,
    prefix: config.redis.prefix,
    fingerprint: configFingerprint(config),
    log,
    ...fleet,
    onChange: (refusal) => (refusal ? worker.pause() : worker.resume()),
  });
await guard?.start();

process.once("SIGTERM", () => {
  void (async () => {
    await worker.close(3_000);
    await guard?.stop();
    await runtime.close();
    process.exit(0);
  })();
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
