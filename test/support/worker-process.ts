// A rotation worker in a process of its own, built from a config the way the daemon builds it (Redis gate and
// its rotation turns, CAM client per account with credentials from the environment, the configured vault, the
// engine). Crash tests
// start it with CAM_ROTATOR_CRASH_AFTER=<step> and watch it die by SIGKILL.
//   node --import tsx test/support/worker-process.ts '{"config": {...}, "secretsFile": "/tmp/...", "fleet": {...}}'
// Every SecretAccessKey CreateAccessKey hands this process is appended to `secretsFile` (test side only), so
// the secret scan can look for keys whose secret died with the process. With `fleet` ({ ttlMs, intervalMs }) it
// runs the daemon's fleet check too (the chaos suite's config drift): its worker takes jobs only while every live
// fingerprint under the prefix equals its own.
import { appendFileSync } from "node:fs";
import { Redis } from "ioredis";
import { DEFAULT_RATE_LIMITS } from "../../src/cam/actions.js";
import { createCamClient } from "../../src/cam/client.js";
import { createRedisGate } from "../../src/cam/limiter/redis-gate.js";
import type { CamApi } from "../../src/cam/types.js";
import { parseConfig, resolveCredentials } from "../../src/config/index.js";
import { configFingerprint } from "../../src/daemon/config-fingerprint.js";
import { createFleetGuard } from "../../src/daemon/fleet-guard.js";
import { loadRecordKey } from "../../src/jobs/record-mac.js";
import { createRotationEngine } from "../../src/jobs/engine/create-engine.js";
import { createLogger } from "../../src/log.js";
import { createVault } from "../../src/vault/index.js";
import { recordingCam, TEST_RECORD_KEY, TEST_TUNING } from "./rig-constants.js";

const { config: raw, secretsFile, fleet } = JSON.parse(process.argv[2] ?? "{}") as
  { config: unknown; secretsFile?: string; fleet?: { ttlMs: number; intervalMs: number } };
const config = parseConfig(raw, "worker-process argv");
const log = createLogger({ level: "debug", name: "worker-process" });
const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
const gate = createRedisGate({ redis, prefix: config.redis.prefix, maxWaitMs: config.limiter.maxWait,
  penaltyMs: config.limiter.penalty, safetyMarginMs: config.limiter.safetyMargin,
  limitFor: (account, action) => config.accounts.find((a) => a.name === account)?.rateLimits?.[action] ?? DEFAULT_RATE_LIMITS[action] });
const clients = new Map<string, CamApi>(config.accounts.map((account, index) => {
  const client = createCamClient({ name: account.name, ...(account.endpoint ? { endpoint: account.endpoint } : {}),
    ...(account.stsEndpoint ? { stsEndpoint: account.stsEndpoint } : {}),
    credentials: resolveCredentials(account, index), requestTimeoutSec: account.requestTimeout / 1000 }, { gate });
  return [account.name, secretsFile ? recordingCam(client, (made) => appendFileSync(secretsFile, `${made.secretAccessKey}\n`)) : client];
}));
const vault = await createVault(config.vault);
const engine = createRotationEngine({ config, connection: redis, vault, log, tuning: TEST_TUNING, turns: gate,
  // The fleet's key when the caller gives one (the chaos suite's driver approves with it), else the tests' key.
  recordKey: loadRecordKey(process.env) ?? TEST_RECORD_KEY,
  camFor: (account) => clients.get(account)! });
const worker = engine.startWorker({ concurrency: 2, paused: fleet !== undefined });
const guard = fleet && createFleetGuard({ redis, prefix: config.redis.prefix, fingerprint: configFingerprint(config), log, ...fleet,
  onChange: (refusal) => (refusal ? worker.pause() : worker.resume()) });
await guard?.start();

process.once("SIGTERM", () => {
  void (async () => {
    await worker.close(3_000);
    await guard?.stop();
    await engine.close();
    await vault.close();
    redis.disconnect();
    process.exit(0);
  })();
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
