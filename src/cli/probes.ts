// The probes of `cam-rotator check-config`: each resolves a one-line description of what answered, or throws
// a message that names what failed.
import type { CallGate } from "../cam/limiter/gate.js";
import type { CamClientDeps } from "../cam/client.js";
import type { CamApi } from "../cam/types.js";
import type { AccountConfig, Config } from "../config/index.js";
import { accountCamClient } from "../daemon/account-client.js";
import { createOwnerKeyedGate } from "../daemon/owner-keyed-gate.js";
import { connectRedis, displayRedisUrl, probeRedis } from "../daemon/redis.js";
import { createVault } from "../vault/index.js";

export type Probe = { item: string; run: () => Promise<string> };

/**
 * The CAM probes go through the shared Redis limiter, like the daemon's calls (P5), once the Redis probe has
 * answered. When Redis is the thing that is down they still run, unlimited: at most two calls per account, once,
 * is worth more to an operator than a probe that cannot say whether the credentials work.
 */
const unlimited: CallGate = { admit: async () => undefined, penalize: async () => undefined };

/** A probe reports the first answer: no throttle retries, and at most 10 s per request. */
const probeClient = (config: Config, account: string, deps: CamClientDeps): CamApi =>
  accountCamClient(config, account, { ...deps, throttleRetries: 0 }, { maxRequestTimeoutMs: 10_000 });

export function probesFor(config: Config): Probe[] {
  let gate: CallGate = unlimited;
  return [
    {
      item: "redis",
      run: async () => {
        const ms = await probeRedis(config.redis.url);
        // Keyed by each account's owner UIN, as the daemon's calls are (learning it is one more GetUserAppId).
        gate = createOwnerKeyedGate(
          config,
          connectRedis(config.redis.url, "cam-rotator-check-config"),
          (account, deps) => probeClient(config, account, deps)
        ).gate;
        return `${displayRedisUrl(config.redis.url)} answered PING in ${Math.round(ms)} ms`;
      },
    },
    { item: "vault", run: () => probeVault(config) },
    ...config.accounts.flatMap((account, index) => accountProbes(config, account, index, () => gate)),
  ];
}

async function probeVault(config: Config): Promise<string> {
  const vault = await createVault(config.vault);
  try {
    // Describing one configured user's secret proves reachability and read permission without reading a value.
    const first = config.accounts[0]!;
    const ref = { account: first.name, uin: Array.isArray(first.users) ? first.users[0]! : 1 };
    const view = await vault.describe(ref);
    const where =
      config.vault.type === "file"
        ? config.vault.path
        : `${config.vault.region}${config.vault.endpoint ? ` at ${config.vault.endpoint}` : ""}`;
    return `${config.vault.type} ${where} answered (${ref.account}/${ref.uin}: ${view.current ? `current ${view.current.accessKeyId}` : "no secret yet"})`;
  } finally {
    await vault.close();
  }
}

function accountProbes(config: Config, account: AccountConfig, index: number, gate: () => CallGate): Probe[] {
  let client: CamApi | undefined;
  const cam = () => {
    client ??= probeClient(config, account.name, { gate: gate() });
    return client;
  };
  return [
    {
      item: `account ${account.name}`,
      run: async () => {
        const identity = await cam().getUserAppId();
        return `GetUserAppId: signed in as uin ${identity.uin} (owner ${identity.ownerUin}, appId ${identity.appId}) at ${account.endpoint ?? "https://cam.tencentcloudapi.com"}`;
      },
    },
    {
      item: `users ${account.name}`,
      run: async () => {
        const users = await cam().listUsers();
        if (account.users === "all") return `ListUsers: ${users.length} sub-users will be swept`;
        const known = new Set(users.map((user) => user.uin));
        const missing = account.users.filter((uin) => !known.has(uin));
        if (missing.length > 0)
          throw new Error(`accounts[${index}].users: ListUsers does not return ${missing.join(", ")}`);
        return `ListUsers: all ${account.users.length} configured UINs exist`;
      },
    },
  ];
}
