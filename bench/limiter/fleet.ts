// The simulated CAM account and the worker command lines shared by the benchmark and the simulator test:
// one admin key, and for each worker process its own range of users, so the 2-key rule never interferes.
import { fileURLToPath } from "node:url";
import type { CamAction } from "../../src/cam/actions.js";
import type { SeedInput } from "../../src/cam/simulator/index.js";

export const WORKER_SCRIPT = fileURLToPath(new URL("./worker.ts", import.meta.url));
export const OWNER_UIN = 100000000001;
export const ROOT_KEY_ID = "AKIDbenchRootKey000000000000000000000";

export const firstUinOf = (worker: number): number => 200000000000 + worker * 1_000_000;

export function fleetSeed(
  workers: number,
  usersPerWorker: number,
  rootSecret: string,
  rateLimits: Partial<Record<CamAction, number>> = {}
): SeedInput {
  return {
    accounts: [
      {
        ownerUin: OWNER_UIN,
        appId: 1300000001,
        users: [
          {
            uin: OWNER_UIN,
            name: "root",
            admin: true,
            keys: [{ accessKeyId: ROOT_KEY_ID, secretAccessKey: rootSecret }],
          },
          ...Array.from({ length: workers }, (_, worker) =>
            Array.from({ length: usersPerWorker }, (_, i) => ({
              uin: firstUinOf(worker) + i,
              name: `bench-${worker}-${i}`,
            }))
          ).flat(),
        ],
      },
    ],
    rateLimits,
  };
}

export interface WorkerPlan {
  redisUrl: string;
  prefix: string;
  simUrl: string;
  action: "CreateAccessKey" | "ListAccessKeys";
  worker: number;
  users: number;
  concurrency: number;
  /** Calls per second the worker's gate allows for `action`; the gate's defaults when absent. */
  limit?: number;
  calls?: number;
  seconds?: number;
  marginMs?: number;
  /** Take admissions only, send nothing. */
  gateOnly?: boolean;
}

/** argv for bench/limiter/worker.ts. The root secret goes in the environment as CAM_BENCH_SECRET_KEY. */
export function workerArgs(plan: WorkerPlan): string[] {
  const optional = (flag: string, value: number | undefined) => (value === undefined ? [] : [flag, String(value)]);
  return [
    "--redis",
    plan.redisUrl,
    "--prefix",
    plan.prefix,
    "--sim",
    plan.simUrl,
    "--secret-id",
    ROOT_KEY_ID,
    "--action",
    plan.action,
    "--first-uin",
    String(firstUinOf(plan.worker)),
    "--users",
    String(plan.users),
    "--concurrency",
    String(plan.concurrency),
    ...optional("--limit", plan.limit),
    ...optional("--calls", plan.calls),
    ...optional("--seconds", plan.seconds),
    ...optional("--margin-ms", plan.marginMs),
    ...(plan.gateOnly ? ["--gate-only"] : []),
  ];
}
