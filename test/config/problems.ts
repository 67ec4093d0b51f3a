// The problems a config is refused with: parseConfig must throw a ConfigError, whose lines the tests compare.
import { expect } from "vitest";
import { ConfigError, parseConfig } from "../../src/config/index.js";

export function problems(raw: unknown): string[] {
  try {
    parseConfig(raw, "test.yaml", {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}
