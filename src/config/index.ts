export { accountRateLimits, unknownAccountMessage } from "./accounts.js";
export { DAY_MS, parseDuration } from "./duration.js";
export { ConfigError } from "./errors.js";
export { CONFIG_ENV, configPath, loadConfigFile, parseConfig, resolveCredentials, formatPath } from "./load.js";
export { configSchema, type AccountConfig, type Config } from "./schema.js";
