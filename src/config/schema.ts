// The configuration file's schema. Secrets never live in the file: credentials name environment variables.
import { z } from "zod";
import { validate as validateCron } from "node-cron";
import { CAM_ACTIONS, type CamAction } from "../cam/actions.js";
import { DEFAULT_VAULT_RATE_LIMITS, VAULT_POOLS, type VaultPool } from "../cam/limiter/vault-quota-gate.js";
import { notifySchema } from "../notify/config.js";
import { DAY_MS, parseDuration } from "./duration.js";

/** Node timers overflow past 2^31 - 1 ms (about 24.8 days) and would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const durationAtLeast = (minMs: number) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === null || ms < minMs || ms > MAX_TIMER_MS) {
      ctx.addIssue({
        code: "custom",
        message: `expected a duration from ${shownMs(minMs)} to 24d, such as 250ms, 30s, 5m, 12h or 7d`,
      });
      return z.NEVER;
    }
    return ms;
  });
const shownMs = (ms: number) => (ms % 1_000 === 0 ? `${ms / 1_000}s` : `${ms}ms`);

// Floors: each duration's smallest value that still lets its mechanism work. They stop a slip (a 0, a unit
// forgotten) from turning into a busy loop or a rotation that undoes itself; they are not recommendations (see
// the defaults). Timeouts of 0 would mean "never" to some layers and "at once" to others.
/** A CAM round trip from far away takes hundreds of ms: below 1 s calls time out and every lost CreateAccessKey
 * answer leaves an orphan behind. */
const requestTimeout = durationAtLeast(1_000);
/** Active jobs need a moment to reach a step boundary before they are handed back. */
const shutdownTimeout = durationAtLeast(1_000);
/** Verify signs with the new key and retries while it propagates: under half a second not even one retry fits,
 * so every rotation would be undone (a create/delete churn). */
const verifyTimeout = durationAtLeast(500);
/** Each re-check is a job round trip, a ListAccessKeys and a vault read: 0 spins. 250 ms caps a parked user at 4
 * re-checks a second, within ListAccessKeys' 20/s; production wants minutes (default 10m). */
const parkRecheck = durationAtLeast(250);
/** Retirement is a delayed job after promotion: 0 would disable the old key in the same breath as the promotion,
 * before any consumer could reload. The floor only rules that out; real grace periods are hours to days. */
const retireAfter = durationAtLeast(250);
/** CAM counts per 1 s window: a back-off under a tenth of it re-sends into the window that just refused. */
const penalty = durationAtLeast(100);
/** Below a tenth of a second nearly every call queued behind another defers its whole job (a move to delayed and
 * back) instead of a short sleep for its slot. */
const maxWait = durationAtLeast(100);
/** 0 would leave no allowance at all for jitter between the gate and CAM (the bound P5 rests on). */
const safetyMargin = durationAtLeast(1);
/** 0 is allowed: it says CAM reports use at once (a simulator); the default covers real CAM's lag. */
const lastUsedLag = durationAtLeast(0);

/** LastUsedDate is a day late and in an unstated zone; Tencent's example shows 3 days to LastSecretUsedDate. */
export const DEFAULT_LAST_USED_LAG_MS = 3 * DAY_MS;

const positiveInt = z
  .number({ error: "expected a positive integer" })
  .int("expected a positive integer")
  .positive("expected a positive integer");

const uin = z
  .number({ error: "expected a UIN (positive integer)" })
  .int("expected a UIN (positive integer)")
  .positive("expected a UIN (positive integer)");

// Upper case only: a pasted secret (mixed case) fails here instead of being used, or printed, as a name.
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "expected an environment variable name (A-Z, 0-9, _)");

const cronExpression = z.string().refine((value) => validateCron(value), "expected a cron expression (5 or 6 fields)");

const timezone = z.string().refine((value) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}, "expected an IANA time zone such as UTC or Asia/Shanghai");

const rateLimits = z.strictObject(
  Object.fromEntries(CAM_ACTIONS.map((action) => [action, positiveInt.optional()])) as Record<
    CamAction,
    z.ZodOptional<typeof positiveInt>
  >
);

const accountName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    "expected a lower-case name of letters, digits, - and _ (it appears in job ids and secret names)"
  );

export const accountSchema = z.strictObject({
  name: accountName,
  endpoint: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional(),
  /** STS (GetCallerIdentity, which proves new keys); default beside `endpoint` (src/cam/endpoint.ts). */
  stsEndpoint: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional(),
  credentials: z.strictObject({ secretIdEnv: envName, secretKeyEnv: envName }),
  users: z.union([z.literal("all"), z.array(uin).min(1, 'expected at least one UIN, or "all"')]),
  schedule: cronExpression,
  timezone: timezone.default("UTC"),
  maxKeyAgeDays: positiveInt,
  retire: z
    .strictObject({
      deactivateAfter: retireAfter,
      deleteAfter: retireAfter,
      /** How late GetSecurityLastUsed may report a use (src/jobs/last-use-lag.ts); 3 days covers Tencent's example. */
      lastUsedLag: lastUsedLag.default(DEFAULT_LAST_USED_LAG_MS),
    })
    .prefault({ deactivateAfter: "7d", deleteAfter: "7d" }),
  overLimit: z.enum(["auto", "flag-only"]).default("auto"),
  /**
   * Keys a user held when the rotator first rotated them, which the vault never held (src/jobs/preexisting.ts).
   * retire: retired like the rotator's own previous key; flag: flagged as foreign at the two-key limit.
   */
  preexistingKeys: z.enum(["retire", "flag"], { error: "expected retire or flag" }).default("retire"),
  rateLimits: rateLimits.optional(),
  requestTimeout: requestTimeout.default(10_000),
});

/** Requests per second per pool of the vault's quota (AWS: 50 each per region, not adjustable). */
const vaultRateLimits = z
  .strictObject(
    Object.fromEntries(
      VAULT_POOLS.map((pool) => [pool, positiveInt.default(DEFAULT_VAULT_RATE_LIMITS[pool])])
    ) as Record<VaultPool, z.ZodDefault<typeof positiveInt>>
  )
  .prefault({});

const vaultSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("aws-secrets-manager"),
      region: z.string().min(1),
      endpoint: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional(),
      kmsKeyId: z.string().min(1).optional(),
      nameTemplate: z.string().includes("{account}").includes("{uin}").default("tencentcloud/cam/{account}/{uin}"),
      rateLimits: vaultRateLimits,
    }),
    z.strictObject({ type: z.literal("file"), path: z.string().min(1) }),
  ],
  { error: "expected type aws-secrets-manager or file" }
);

const keyPrefix = z
  .string()
  .regex(/^[A-Za-z0-9{}_-]+$/, "expected letters, digits, -, _ and {} (a hash tag for Cluster)");

// A section left out is parsed as `{}` (prefault), so each default is written once, on its field.
export const configSchema = z.strictObject({
  redis: z
    .strictObject({
      url: z
        .string()
        .regex(/^rediss?:\/\//, "expected a redis:// or rediss:// URL")
        .default("redis://127.0.0.1:6379"),
      prefix: keyPrefix.default("cam-rotator"),
      /** Refuse to start a worker (or approve/dismiss) without CAM_ROTATOR_RECORD_KEY; false only for throwaway setups. */
      requireRecordKey: z.boolean().default(true),
    })
    .prefault({}),
  vault: vaultSchema,
  accounts: z
    .array(accountSchema)
    .min(1, "expected at least one account")
    .superRefine((accounts, ctx) => {
      const seen = new Set<string>();
      accounts.forEach((account, index) => {
        if (seen.has(account.name))
          ctx.addIssue({ code: "custom", path: [index, "name"], message: "duplicate account name" });
        seen.add(account.name);
      });
    }),
  worker: z
    .strictObject({
      concurrency: positiveInt.default(8),
      /** How long SIGTERM waits for active jobs before handing them back. */
      shutdownTimeout: shutdownTimeout.default(30_000),
    })
    .prefault({}),
  limiter: z
    .strictObject({
      /**
       * Jitter allowance per rolling second: N + 1 admissions span at least 1 s + this, so a call may reach CAM
       * this much later than the first of its window without breaking the bound. Costs margin / (1 s + margin)
       * of throughput; 20 ms keeps 98%.
       */
      safetyMargin: safetyMargin.default(20),
      /** A job waits in-process for a slot up to this; a longer wait moves it to delayed. */
      maxWait: maxWait.default(2_000),
      /** Back-off for an account and action after CAM answers RequestLimitExceeded. */
      penalty: penalty.default(1_000),
      /**
       * The limiter's keys start with this, not with redis.prefix: CAM's quota belongs to the Tencent owner, so every
       * deployment on this Redis that rotates the same owner must count in the same windows, whatever its prefix.
       */
      namespace: keyPrefix.default("cam-rotator"),
    })
    .prefault({}),
  rotation: z
    .strictObject({
      /** How long the new key may take to authenticate (propagation) before the rotation is undone. */
      verifyTimeout: verifyTimeout.default(60_000),
      /** How often a parked rotation looks again at its flagged key. */
      parkRecheck: parkRecheck.default(600_000),
      /** Attempts for transient failures, with exponential backoff and jitter. */
      attempts: positiveInt.default(8),
      /** Failed jobs kept for inspection. */
      keepFailed: positiveInt.default(1_000),
    })
    .prefault({}),
  http: z
    .strictObject({
      host: z.string().default("127.0.0.1"),
      port: z.number().int().min(0).max(65_535).default(9464),
    })
    .prefault({}),
  /** Notifications to webhooks and chat robots (src/notify); none when absent. */
  notify: notifySchema.optional(),
});

export type Config = z.output<typeof configSchema>;
export type AccountConfig = z.output<typeof accountSchema>;
