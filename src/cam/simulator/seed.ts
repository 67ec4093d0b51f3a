// The simulator's seed file: accounts, their users and keys, and overrides. Every error names the path in the
// seed ("accounts[0].users[1].uin: expected a positive integer, got \"x\"") and never a secret's value.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { CAM_ACTIONS } from "../actions.js";
import { answerSwitchesSchema } from "./answer-switches.js";
import { InputError, parseInput, type Problem } from "./issues.js";
import { camTimeText, integer, intBetween, keyStatus, positiveInt, text } from "./schema-parts.js";
import { switchFields, userSwitchFields } from "./switches.js";

const seedKeySchema = z.strictObject({
  accessKeyId: z
    .string({ error: "expected 4-128 letters and digits" })
    .regex(/^[A-Za-z0-9]{4,128}$/, { error: "expected 4-128 letters and digits" }),
  /** Absent: the simulator makes one up that nobody knows (a key some other actor holds). */
  secretAccessKey: text(256).optional(),
  status: keyStatus.default("Active"),
  /** Absent: the time the seed is loaded. */
  createTime: camTimeText.optional(),
  description: text(1024).optional(),
  /** Epoch ms of the key's last signed call; absent or null: never used. */
  lastUsedAt: intBetween(0, Number.MAX_SAFE_INTEGER, "expected epoch milliseconds or null").nullable().default(null),
});

const seedUserSchema = z.strictObject({
  uin: positiveInt,
  name: text(64),
  /** The main account (uin = ownerUin) is an admin whatever this says. */
  admin: z.boolean({ error: "expected true or false" }).default(false),
  remark: text(255).optional(),
  uid: positiveInt.optional(),
  createTime: camTimeText.optional(),
  keys: z.array(seedKeySchema, { error: "expected a list of keys" }).default([]),
  ...userSwitchFields,
});

const seedAccountSchema = z.strictObject({
  ownerUin: positiveInt,
  appId: positiveInt,
  users: z.array(seedUserSchema, { error: "expected a list of users" }).default([]),
});

const seedSchema = z.strictObject(
  {
    accounts: z.array(seedAccountSchema, { error: "expected a list of accounts" }).default([]),
    /** Calls per second per account, by action; the rest keep DEFAULT_RATE_LIMITS. */
    rateLimits: z
      .partialRecord(z.enum(CAM_ACTIONS), positiveInt, { error: "expected an object of action: limit" })
      .default({}),
    /** Shifts the simulator's clock for the SignatureExpire check only (seconds, may be negative). */
    clockOffsetSec: integer.optional(),
    requireInactiveBeforeDelete: z.boolean({ error: "expected true or false" }).optional(),
    /** How answers differ from the documented shapes, and CAM's time lags (answer-switches.ts). */
    answers: answerSwitchesSchema.optional(),
    ...switchFields,
  },
  { error: "expected a seed object" }
);

/** A seed as written (defaults may be left out). */
export type SeedInput = z.input<typeof seedSchema>;
/** A seed after validation, defaults filled in. */
export type Seed = z.output<typeof seedSchema>;
export type SeedAccount = Seed["accounts"][number];
export type SeedUser = SeedAccount["users"][number];
export type SeedKey = SeedUser["keys"][number];

export class SeedError extends InputError {
  override readonly name = "SeedError";
  constructor(
    readonly source: string,
    problems: Problem[]
  ) {
    super(`seed ${source}`, problems);
  }
}

const MAX_KEYS_PER_USER = 2;

/** Validates a parsed JSON seed. `source` names it in errors (a file path, or "seed"). */
export function parseSeed(json: unknown, source = "seed"): Seed {
  let seed: Seed;
  try {
    seed = parseInput(seedSchema, json, "seed");
  } catch (error) {
    throw error instanceof InputError ? new SeedError(source, error.problems) : error;
  }
  const problems = consistencyProblems(seed);
  if (problems.length > 0) throw new SeedError(source, problems);
  return seed;
}

export function loadSeedFile(path: string): Seed {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new SeedError(path, [{ path: "(file)", message: `cannot read the seed file (${code})` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new SeedError(path, [{ path: "(file)", message: `not valid JSON: ${(error as Error).message}` }]);
  }
  return parseSeed(json, path);
}

/** Rules across entries: unique ids, and the two-key limit a real account could never exceed. */
function consistencyProblems(seed: Seed): Problem[] {
  const problems: Problem[] = [];
  const firstSeen = new Map<string, string>();
  const unique = (kind: string, value: string | number, path: string) => {
    const key = `${kind}:${value}`;
    const earlier = firstSeen.get(key);
    if (earlier === undefined) firstSeen.set(key, path);
    else problems.push({ path, message: `duplicate ${kind} ${JSON.stringify(value)}, also at ${earlier}` });
  };
  const ownerAt = new Map(seed.accounts.map((account, a) => [account.ownerUin, a]));
  const uins = new Set(seed.accounts.flatMap((account) => account.users.map((user) => user.uin)));
  seed.accounts.forEach((account, a) => {
    unique("ownerUin", account.ownerUin, `accounts[${a}].ownerUin`);
    account.users.forEach((user, u) => {
      const userPath = `accounts[${a}].users[${u}]`;
      unique("uin", user.uin, `${userPath}.uin`);
      const ownerOf = ownerAt.get(user.uin);
      if (ownerOf !== undefined && ownerOf !== a) {
        problems.push({ path: `${userPath}.uin`, message: `${user.uin} is the main account of accounts[${ownerOf}]` });
      }
      if (user.keys.length > MAX_KEYS_PER_USER) {
        problems.push({
          path: `${userPath}.keys`,
          message: `at most ${MAX_KEYS_PER_USER} keys per user, got ${user.keys.length}`,
        });
      }
      const as = user.newKeysAuthenticateAs;
      if (as != null && !uins.has(as)) {
        problems.push({ path: `${userPath}.newKeysAuthenticateAs`, message: `no user ${as} in the seed` });
      }
      user.keys.forEach((key, k) => unique("accessKeyId", key.accessKeyId, `${userPath}.keys[${k}].accessKeyId`));
    });
  });
  return problems;
}
