// One account's CAM client as the config describes it: its endpoint, the credentials its environment variables
// hold, its request timeout, in front of the given gate. The runtime, the owner look-up and check-config share it.
import { createCamClient, type CamClientDeps } from "../cam/client.js";
import type { CamApi } from "../cam/types.js";
import { resolveCredentials, unknownAccountMessage, type Config } from "../config/index.js";

export function accountCamClient(
  config: Config,
  name: string,
  deps: CamClientDeps,
  options: { env?: NodeJS.ProcessEnv; maxRequestTimeoutMs?: number } = {}
): CamApi {
  const index = config.accounts.findIndex((account) => account.name === name);
  if (index < 0) throw new Error(unknownAccountMessage(config, name));
  const account = config.accounts[index]!;
  return createCamClient(
    {
      name,
      ...(account.endpoint ? { endpoint: account.endpoint } : {}),
      ...(account.stsEndpoint ? { stsEndpoint: account.stsEndpoint } : {}),
      credentials: resolveCredentials(account, index, options.env ?? process.env),
      requestTimeoutSec: Math.min(account.requestTimeout, options.maxRequestTimeoutMs ?? Infinity) / 1000,
    },
    deps
  );
}
