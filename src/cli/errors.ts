// Errors the CLI turns into a message and an exit code, without a stack trace: the user did nothing wrong that
// a stack would help with.
import { EXIT, type ExitCode } from "./exit-codes.js";

/** Bad arguments the parser could not catch: an unknown account, a UIN outside the account's users. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly exitCode: ExitCode = EXIT.usage;
}

/** The operation ran and did not succeed; the message says what to look at. */
export class OperationFailed extends Error {
  override readonly name = "OperationFailed";
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed
  ) {
    super(message);
  }
}
