// A configuration problem: the CLI prints it and exits 2 before starting anything.
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly source: string,
    readonly problems: string[]
  ) {
    super(`invalid configuration in ${source}:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
  }
}
