// An HTTP proxy in front of moto that enforces AWS Secrets Manager's per-region request quotas, which moto does
// not: strict rolling one-second windows per pool (the writes pool, the tags pool; reads pass untouched). A
// request over its pool's quota gets what AWS answers, HTTP 400 with a ThrottlingException JSON error, and never
// reaches moto. The benchmark's vault-quota row and the tests count what it refused and what it let through.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { VAULT_POOLS, type VaultPool } from "../src/cam/limiter/vault-quota-gate.js";
import { RollingWindow } from "../src/cam/simulator/rate-window.js";
import { vaultPoolOf } from "../src/vault/aws-quota.js";
import { closeServer, forward, listenLocally } from "./forward.js";

export interface ThrottlingVaultOptions {
  /** moto's port on 127.0.0.1. */
  targetPort: number;
  /** Requests per rolling second per pool. */
  limits: Record<VaultPool, number>;
  /** Milliseconds; tests pass a clock they move. Default performance.timeOrigin + performance.now(). */
  clock?: () => number;
}

export interface ThrottlingVault {
  readonly url: string;
  /** ThrottlingException answers per pool. */
  readonly throttled: Record<VaultPool, number>;
  /** Arrival times (the proxy's clock, ms) of the requests each pool let through to moto. */
  readonly passed: Record<VaultPool, number[]>;
  /** Forgets the windows and the counts. */
  reset(): void;
  close(): Promise<void>;
}

/** The body AWS's JSON protocol carries for a throttled request; the SDK reads the code from `__type`. */
const THROTTLED_BODY = JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" });

export async function startThrottlingVault(options: ThrottlingVaultOptions): Promise<ThrottlingVault> {
  const clock = options.clock ?? (() => performance.timeOrigin + performance.now());
  const byPool = <T>(make: () => T) =>
    Object.fromEntries(VAULT_POOLS.map((pool) => [pool, make()])) as Record<VaultPool, T>;
  const upstream = { host: "127.0.0.1", port: options.targetPort };
  let windows = new RollingWindow(1000);
  const throttled = byPool(() => 0);
  const passed = byPool((): number[] => []);

  const server = createServer((req, res) => {
    // AWS's JSON protocol names the operation in X-Amz-Target: "secretsmanager.PutSecretValue".
    const target = String(req.headers["x-amz-target"] ?? "");
    const pool = vaultPoolOf(target.slice(target.indexOf(".") + 1));
    if (pool === undefined) return forward(upstream, req, res);
    const now = clock();
    if (windows.tryAdmit(pool, options.limits[pool], now)) {
      passed[pool].push(now);
      return forward(upstream, req, res);
    }
    throttled[pool]++;
    req.resume();
    res.writeHead(400, {
      "content-type": "application/x-amz-json-1.1",
      "x-amzn-requestid": randomUUID(),
      "content-length": Buffer.byteLength(THROTTLED_BODY),
    });
    res.end(THROTTLED_BODY);
  });
  const url = await listenLocally(server);
  return {
    url,
    throttled,
    passed,
    reset() {
      windows = new RollingWindow(1000);
      for (const pool of VAULT_POOLS) {
        throttled[pool] = 0;
        passed[pool].length = 0;
      }
    },
    close: () => closeServer(server),
  };
}
