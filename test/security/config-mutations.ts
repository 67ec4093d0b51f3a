// fast-check arbitraries that break a valid config in one place each: a value of the wrong type, a required key
// dropped, an unknown key added, or a value of the right type that is still wrong (durations, crons, URLs,
// names, UINs, ports...). Every mutation knows the path it broke, so a test can demand that the error names it.
import fc from "fast-check";

export type Path = Array<string | number>;

export interface Mutation {
  kind: "wrongType" | "drop" | "unknownKey" | "badValue" | "duplicateAccount";
  path: Path;
  /** For the report: what was done. */
  detail: string;
  /** The value set (wrongType, badValue). */
  value?: unknown;
  /** The unknown key added (unknownKey). */
  key?: string;
}

export interface MutatedConfig {
  raw: Record<string, unknown>;
  mutations: Mutation[];
}

/** A valid config in every respect; the tests fill in Redis, the vault file and the HTTP port. */
export function validConfig(options: {
  redisUrl: string;
  prefix: string;
  vaultPath: string;
  httpPort: number;
  camUrl: string;
}): Record<string, unknown> {
  return {
    redis: { url: options.redisUrl, prefix: options.prefix },
    vault: { type: "file", path: options.vaultPath },
    accounts: [
      {
        name: "main",
        endpoint: options.camUrl,
        credentials: { secretIdEnv: "FUZZ_SECRET_ID", secretKeyEnv: "FUZZ_SECRET_KEY" },
        users: [100000000011, 100000000012],
        schedule: "0 3 * * *",
        timezone: "UTC",
        maxKeyAgeDays: 90,
        retire: { deactivateAfter: "7d", deleteAfter: "7d" },
        overLimit: "auto",
        rateLimits: { CreateAccessKey: 5 },
        requestTimeout: "10s",
      },
    ],
    worker: { concurrency: 8, shutdownTimeout: "30s" },
    limiter: { safetyMargin: "2ms", maxWait: "2s", penalty: "1s" },
    rotation: { verifyTimeout: "60s", parkRecheck: "10m", attempts: 8, keepFailed: 1000 },
    http: { host: "127.0.0.1", port: options.httpPort },
    notify: {
      targets: [
        {
          name: "ops",
          type: "dingtalk",
          urlEnv: "FUZZ_DING_URL",
          secretEnv: "FUZZ_DING_SECRET",
          events: ["key-flagged"],
          msgtype: "markdown",
          rateLimit: { max: 20, per: "1m" },
          timeout: "10s",
        },
      ],
      runbookUrl: "README.md",
      attempts: 8,
      backoff: { base: "2s", max: "5m" },
      enqueueTimeout: "2s",
      sweepMissedAfter: "5m",
    },
  };
}

const A = ["accounts", 0] as const;
const N = ["notify", "targets", 0] as const;
const DURATIONS: Path[] = [
  [...A, "retire", "deactivateAfter"],
  [...A, "retire", "deleteAfter"],
  [...A, "requestTimeout"],
  ["worker", "shutdownTimeout"],
  ["limiter", "safetyMargin"],
  ["limiter", "maxWait"],
  ["limiter", "penalty"],
  ["rotation", "verifyTimeout"],
  ["rotation", "parkRecheck"],
  [...N, "timeout"],
  [...N, "rateLimit", "per"],
  ["notify", "backoff", "base"],
  ["notify", "backoff", "max"],
  ["notify", "enqueueTimeout"],
  ["notify", "sweepMissedAfter"],
];
const POSITIVE_INTS: Path[] = [
  [...A, "maxKeyAgeDays"],
  ["worker", "concurrency"],
  ["rotation", "attempts"],
  ["rotation", "keepFailed"],
  [...A, "rateLimits", "CreateAccessKey"],
  [...N, "rateLimit", "max"],
  ["notify", "attempts"],
];
const ENV_NAMES: Path[] = [
  [...A, "credentials", "secretIdEnv"],
  [...A, "credentials", "secretKeyEnv"],
  [...N, "urlEnv"],
  [...N, "secretEnv"],
];

/** Every leaf: a value of another type is wrong at each of them. */
const LEAVES: Path[] = [
  ["redis", "url"],
  ["redis", "prefix"],
  ["vault", "type"],
  ["vault", "path"],
  [...A, "name"],
  [...A, "endpoint"],
  ...ENV_NAMES,
  [...A, "users"],
  [...A, "users", 0],
  [...A, "schedule"],
  [...A, "timezone"],
  [...A, "overLimit"],
  ["http", "host"],
  ["http", "port"],
  ...DURATIONS,
  ...POSITIVE_INTS,
  [...N, "name"],
  [...N, "type"],
  [...N, "events"],
  [...N, "events", 0],
  [...N, "msgtype"],
  ["notify", "runbookUrl"],
  ["notify", "targets"],
];
/** Objects: each rejects an unknown key, and a value of another type. */
const OBJECTS: Path[] = [
  [],
  ["redis"],
  ["vault"],
  [...A],
  [...A, "credentials"],
  [...A, "retire"],
  [...A, "rateLimits"],
  ["worker"],
  ["limiter"],
  ["rotation"],
  ["http"],
  ["notify"],
  [...N],
  [...N, "rateLimit"],
  ["notify", "backoff"],
];
const REQUIRED: Path[] = [
  ["vault"],
  ["vault", "type"],
  ["vault", "path"],
  ["accounts"],
  [...A, "name"],
  [...A, "credentials"],
  [...A, "credentials", "secretIdEnv"],
  [...A, "users"],
  [...A, "schedule"],
  [...A, "maxKeyAgeDays"],
  ["notify", "targets"],
  [...N, "name"],
  [...N, "type"],
  [...N, "urlEnv"],
];

/** Values of a type no leaf accepts ("users" takes an array of UINs, so the array here holds a string). */
const wrongTypedValue = fc.constantFrom<unknown>(null, true, false, ["x"], { x: 1 });

const badValues: Array<[Path[], unknown[]]> = [
  [DURATIONS, ["7 days", "-5s", "abc", "", "5 fortnights", -1, "1e3s", "∞"]],
  [POSITIVE_INTS, [0, -3, 2.5, "ninety", "8", 1e21]],
  [ENV_NAMES, ["1BAD", "has space", "", "DASH-ED", "$HOME"]],
  [[[...A, "schedule"]], ["61 * * * *", "* * *", "every day", "", "* * * * * * *", "0 25 * * *"]],
  [[["redis", "url"]], ["http://127.0.0.1:6379", "localhost:6379", "", "redis:/x"]],
  [[[...A, "endpoint"]], ["ftp://cam.example", "not a url", "", "javascript:alert(1)", "//cam.example"]],
  [[[...A, "name"]], ["Main!", "", "a".repeat(70), "main account", "-main", "MAIN"]],
  [[[...A, "timezone"]], ["Mars/Olympus", "", "UTC+25", "Europe/Nowhere"]],
  [[[...A, "users", 0]], [0, -1, 1.5, "100000000011", Number.MAX_SAFE_INTEGER * 4]],
  [[[...A, "users"]], [[], "some", 100000000011]],
  [[[...A, "overLimit"]], ["sometimes", "", "AUTO"]],
  [[["vault", "type"]], ["s3", "", "aws"]],
  [[["http", "port"]], [70_000, -1, 1.5, "9464"]],
  [[["redis", "prefix"]], ["a:b", "", "with space", "ü"]],
  [[[...N, "type"]], ["teams", "", "Slack"]],
  [[[...N, "events", 0]], ["key-flaged", "", "all"]],
  [[[...N, "msgtype"]], ["html", ""]],
  [[[...N, "name"]], ["Ops!", "", "a".repeat(70)]],
  [[["notify", "targets"]], [[], "https://oapi.dingtalk.com/robot/send?access_token=t0ken"]],
];

function wrongType(): fc.Arbitrary<Mutation> {
  return fc
    .tuple(fc.constantFrom(...LEAVES, ...OBJECTS.filter((path) => path.length > 0)), wrongTypedValue)
    .map(([path, value]) => ({
      kind: "wrongType" as const,
      path,
      value,
      detail: `set ${label(path)} to ${JSON.stringify(value)}`,
    }));
}

function badValue(): fc.Arbitrary<Mutation> {
  return fc.constantFrom(...badValues).chain(([paths, values]) =>
    fc.tuple(fc.constantFrom(...paths), fc.constantFrom(...values)).map(([path, value]) => ({
      kind: "badValue" as const,
      path,
      value,
      detail: `set ${label(path)} to ${JSON.stringify(value)}`,
    }))
  );
}

const unknownKeyName = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter((name) => !["__proto__", "constructor", "prototype"].includes(name));

export function mutation(): fc.Arbitrary<Mutation> {
  return fc.oneof(
    wrongType(),
    badValue(),
    fc.constantFrom(...REQUIRED).map((path) => ({ kind: "drop" as const, path, detail: `dropped ${label(path)}` })),
    fc.tuple(fc.constantFrom(...OBJECTS), unknownKeyName).map(([path, key]) => ({
      kind: "unknownKey" as const,
      path,
      key,
      detail: `added unknown key ${JSON.stringify(key)} to ${label(path)}`,
    })),
    fc.constant<Mutation>({
      kind: "duplicateAccount",
      path: ["accounts", 1, "name"],
      detail: "listed account main twice",
    })
  );
}

/** The valid config with one mutation applied; fails loudly if the mutation's path does not exist. */
export function applyMutation(valid: Record<string, unknown>, change: Mutation): MutatedConfig {
  const raw = structuredClone(valid);
  switch (change.kind) {
    case "wrongType":
    case "badValue":
      setAt(raw, change.path, change.value);
      break;
    case "drop": {
      const parent = at(raw, change.path.slice(0, -1)) as Record<string | number, unknown>;
      delete parent[change.path.at(-1)!];
      break;
    }
    case "unknownKey": {
      const target = at(raw, change.path) as Record<string, unknown>;
      // A key the schema knows would not be unknown: prefix it so it never collides.
      target[`x-${change.key!}`] = "surprise";
      break;
    }
    case "duplicateAccount": {
      const accounts = raw.accounts as unknown[];
      accounts.push(structuredClone(accounts[0]));
      break;
    }
  }
  return { raw, mutations: [change] };
}

export function mutatedConfig(valid: Record<string, unknown>): fc.Arbitrary<MutatedConfig> {
  return mutation().map((change) => applyMutation(valid, change));
}

/** The label errors use for a path: accounts[0].retire.deleteAfter; the top level is "(top level)". */
export function label(path: Path): string {
  const text = path.reduce<string>(
    (out, part) => (typeof part === "number" ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    ""
  );
  return text || "(top level)";
}

function at(root: unknown, path: Path): unknown {
  let node = root;
  for (const part of path) {
    if (typeof node !== "object" || node === null)
      throw new Error(`no ${String(part)} in the config (path ${label(path)})`);
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

function setAt(root: unknown, path: Path, value: unknown): void {
  const parent = at(root, path.slice(0, -1));
  if (typeof parent !== "object" || parent === null) throw new Error(`cannot set ${label(path)}`);
  (parent as Record<string | number, unknown>)[path.at(-1)!] = value;
}

/**
 * Whether a reported problem is about the mutated place: its path is the mutated path, a part of it (a
 * wrong-typed object is reported at the object), or below it (a dropped object's required children).
 */
export function namesPath(problemPath: string, mutated: Path): boolean {
  const wanted = label(mutated);
  if (problemPath === wanted) return true;
  if (wanted === "(top level)" || problemPath === "(top level)") return problemPath === wanted;
  return (
    wanted.startsWith(`${problemPath}.`) ||
    wanted.startsWith(`${problemPath}[`) ||
    problemPath.startsWith(`${wanted}.`) ||
    problemPath.startsWith(`${wanted}[`)
  );
}

/** The path of each problem line of a ConfigError message ("  accounts[0].name: expected ..."). */
export function problemPaths(message: string): string[] {
  return message.split("\n").flatMap((line) => {
    const match = /^\s+(\(top level\)|[A-Za-z0-9_[\].-]+):\s/.exec(line);
    return match ? [match[1]!] : [];
  });
}
