// The project's logger: pino with redaction of every field that could hold a secret. Code must never log a
// secret on purpose; redaction is the net under that rule, not the rule.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";

const SECRET_FIELDS = [
  "secretAccessKey",
  "SecretAccessKey",
  "secretKey",
  "SecretKey",
  "TmpSecretKey",
  "password",
  "authorization",
  "Authorization",
  "SecretString",
  "token",
];

/** Each secret-bearing field at the top level and up to two objects deep. */
export const REDACT_PATHS = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);

export type { Logger };

export function createLogger(options: { level?: string; name?: string } = {}, destination?: DestinationStream): Logger {
  const settings: LoggerOptions = {
    name: options.name ?? "cam-rotator",
    level: options.level ?? process.env.LOG_LEVEL ?? "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(settings, destination) : pino(settings);
}

/** For library code that accepts an optional logger. */
export const silentLogger: Logger = pino({ level: "silent" });
