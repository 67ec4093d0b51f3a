// Argument parsers and the options every command shares. Parse errors become commander errors, which the CLI
// turns into exit code 2 with a usage hint.
import { InvalidArgumentError, type Command } from "commander";

export function parseUin(value: string): number {
  const uin = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(uin) || uin <= 0) {
    throw new InvalidArgumentError(
      `expected a UIN (a positive integer such as 100000000011), got ${JSON.stringify(value)}.`
    );
  }
  return uin;
}

export function parseKeyId(value: string): string {
  if (!/^[A-Za-z0-9]{8,128}$/.test(value)) {
    throw new InvalidArgumentError(
      `expected an AccessKeyId (letters and digits, e.g. AKID...), got ${JSON.stringify(value)}.`
    );
  }
  return value;
}

export function addConfigOption(command: Command): Command {
  return command.option("-c, --config <file>", "config file, YAML or JSON (default: $CAM_ROTATOR_CONFIG)");
}

/** --account, and --uin with it for commands about one user. */
export function addAccountOption(command: Command, withUin = false): Command {
  command.requiredOption("--account <name>", "account name from the config");
  return withUin ? command.requiredOption("--uin <uin>", "the user's UIN", parseUin) : command;
}

export function addJsonOption(command: Command): Command {
  return command.option("--json", "print one JSON document instead of a table");
}

export interface ConfigFlag {
  config?: string;
}
export interface JsonFlag {
  json?: boolean;
}
export interface AccountFlag {
  account: string;
}
export interface UserFlags extends AccountFlag {
  uin: number;
}
