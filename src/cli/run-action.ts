// Runs a command's action and maps what it throws to a message and an exit code. Users see one clear line,
// never a stack trace, unless they ask for one with LOG_LEVEL=debug.
import { ConfigError } from "../config/errors.js";
import { CamError } from "../cam/errors.js";
import { isVaultError } from "../vault/port.js";
import { OperationFailed, UsageError } from "./errors.js";
import { EXIT, type ExitCode } from "./exit-codes.js";

export type Action<Args extends unknown[]> = (...args: Args) => Promise<ExitCode | void>;

export function runAction<Args extends unknown[]>(action: Action<Args>): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      const code = await action(...args);
      process.exitCode = code ?? EXIT.ok;
    } catch (error) {
      process.exitCode = reportError(error);
    }
  };
}

/** Prints the error for a human and returns the exit code it stands for. */
export function reportError(
  error: unknown,
  write: (text: string) => void = (text) => process.stderr.write(text)
): ExitCode {
  if (error instanceof ConfigError) {
    write(`cam-rotator: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof UsageError) {
    write(`cam-rotator: ${error.message}\n(run cam-rotator <command> --help for usage)\n`);
    return EXIT.usage;
  }
  if (error instanceof OperationFailed) {
    write(`cam-rotator: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof CamError || isVaultError(error)) {
    write(`cam-rotator: ${error.message}\n`);
    return EXIT.failed;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`cam-rotator: ${message}\n`);
  if (process.env.LOG_LEVEL === "debug" && error instanceof Error && error.stack) write(`${error.stack}\n`);
  return EXIT.failed;
}
