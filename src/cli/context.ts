// What admin commands share: the config from --config or CAM_ROTATOR_CONFIG, lookups that turn an unknown
// account or UIN into a usage error, and a runtime (Redis, vault, engine) that is always closed afterwards.
import { configPath, loadConfigFile, unknownAccountMessage, type AccountConfig, type Config } from "../config/index.js";
import { openRuntime, type Runtime } from "../daemon/open-runtime.js";
import { probeRedis } from "../daemon/redis.js";
import type { OperatorAction } from "../jobs/audit.js";
import type { RotationEngine } from "../jobs/engine/face.js";
import { createLogger, silentLogger } from "../log.js";
import { OperationFailed, UsageError } from "./errors.js";

export function loadConfig(flag: string | undefined): Config {
  return loadConfigFile(configPath(flag));
}

export function findAccount(config: Config, name: string): { account: AccountConfig; index: number } {
  const index = config.accounts.findIndex((account) => account.name === name);
  if (index < 0) throw new UsageError(unknownAccountMessage(config, name));
  return { account: config.accounts[index]!, index };
}

/**
 * A UIN must belong to the account: listed in `users`, or, with `users: all`, returned by ListUsers. Rotating a
 * stranger's keys by a typo must be impossible.
 */
export async function checkUin(runtime: Runtime, account: AccountConfig, uin: number): Promise<void> {
  if (account.users === "all") {
    const users = await runtime.camFor(account.name).listUsers();
    if (users.some((user) => user.uin === uin)) return;
    throw new UsageError(`UIN ${uin} is not a user of account ${account.name} (ListUsers does not return it)`);
  }
  if (!account.users.includes(uin)) {
    throw new UsageError(
      `UIN ${uin} is not in accounts[${JSON.stringify(account.name)}].users; configured: ${account.users.join(", ")}`
    );
  }
}

/** Opens the runtime after a quick Redis probe, runs `use`, and closes everything whatever happens. */
export async function withRuntime<T>(config: Config, use: (runtime: Runtime) => Promise<T>): Promise<T> {
  try {
    await probeRedis(config.redis.url);
  } catch (error) {
    throw new OperationFailed((error as Error).message);
  }
  const runtime = await openRuntime(config, { log: silentLogger });
  try {
    return await use(runtime);
  } finally {
    await runtime.close();
  }
}

/**
 * Records an operator action with the OS user and host: in the event and audit streams, and as a log line on
 * stderr (stdout stays the command's output; LOG_LEVEL=warn silences the line, never the stream entries).
 */
export async function auditAction(engine: RotationEngine, action: OperatorAction): Promise<void> {
  const entry = await engine.recordOperatorAction(action);
  createLogger({ name: "cam-rotator-audit" }, process.stderr).info(
    { audit: entry },
    `operator action: ${action.action}`
  );
}
