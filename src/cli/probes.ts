// The probes of `cam-rotator check-config`: each resolves a one-line description of what answered, or throws
// a message that names what failed.
import type { CallGate } from "../cam/limiter/gate.js";
import { createCamClient } from "../cam/client.js";
import { resolveCredentials, type AccountConfig, type Config } from "../config/index.js";
import { createConfiguredGate } from "../daemon/configured-gate.js";
import { connectRedis, displayRedisUrl, probeRedis } from "../daemon/redis.js";
import { createVault } from "../vault/index.js";

export type Probe = { item: string; run: () => Promise<string> };

/**
 * The CAM probes go through the shared Redis limiter, like the daemon's calls (P5), once the Redis probe has
 * answered. When Redis is the thing that is down they still run, unlimited: at most two calls per account, once,
 * is worth more to an operator than a probe that cannot say whether the credentials work.
 */
const unlimited: CallGate = { admit: async () => undefined, penalize: async () => undefined };

export function probesFor(config: Config): Probe[] {
  let gate: CallGate = unlimited;
  return [
    { item: "redis", run: async () => {
      const ms = await probeRedis(config.redis.url);
      gate = createConfiguredGate(config, connectRedis(config.redis.url, "cam-rotator-check-config"));
      return `${displayRedisUrl(config.redis.url)} answered PING in ${Math.round(ms)} ms`;
    } },
    { item: "vault", run: () => probeVault(config) },
    ...config.accounts.flatMap((account, index) => accountProbes(account, index, () => gate)),
  ];
}

async function probeVault(config: Config): Promise<string> {
  const vault = await createVault(config.vault);
  try {
    // Describing one configured user's secret proves reachability and read permission without reading a value.
    const first = config.accounts[0]!;
    const ref = { account: first.name, uin: Array.isArray(first.users) ? first.users[0]! : 1 };
    const view = await vault.describe(ref);
    const where = config.vault.type === "file" ? config.vault.path
      : `${config.vault.region}${config.vault.endpoint ? ` at ${config.vault.endpoint}` : ""}`;
    return `${config.vault.type} ${where} answered (${ref.account}/${ref.uin}: ${view.current ? `current ${view.current.accessKeyId}` : "no secret yet"})`;
  } finally {
    await vault.close();
  }
}

function accountProbes(account: AccountConfig, index: number, gate: () => CallGate): Probe[] {
  let client: ReturnType<typeof createCamClient> | undefined;
  const cam = () => {
    client ??= createCamClient({
      name: account.name,
      ...(account.endpoint ? { endpoint: account.endpoint } : {}),
      ...(account.stsEndpoint ? { stsEndpoint: account.stsEndpoint } : {}),
      credentials: resolveCredentials(account, index),
      requestTimeoutSec: Math.min(account.requestTimeout / 1000, 10),
    }, { gate: gate(), throttleRetries: 0 });
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
        if (missing.length > 0) throw new Error(`accounts[${index}].users: ListUsers does not return ${missing.join(", ")}`);
        return `ListUsers: all ${account.users.length} configured UINs exist`;
      },
    },
  ];
}
