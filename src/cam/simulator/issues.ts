// Turns zod issues into "path: expected ..., got <value>" lines for the seed, fault and request parameters.
// Values are read back from the input by path; secrets are never echoed.
import type { z } from "zod";

export interface Problem {
  /** "accounts[0].users[1].uin", or "(root)". */
  path: string;
  message: string;
}

/** Input that failed validation; `problems` name paths and values, never secrets. */
export class InputError extends Error {
  override readonly name: string = "InputError";
  constructor(
    readonly what: string,
    readonly problems: Problem[]
  ) {
    super(`bad ${what}:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`);
  }
}

/** Parses `input` with `schema`, or throws InputError describing every problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InputError(what, describeIssues(result.error, input));
  return result.data;
}

type PathKey = PropertyKey;

export function formatPath(path: readonly PathKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

const SECRET_FIELDS = new Set(["secretAccessKey", "SecretAccessKey", "secretKey", "SecretKey"]);

export function describeIssues(error: z.ZodError, input: unknown): Problem[] {
  return error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const names = issue.keys.map((key) => JSON.stringify(key)).join(", ");
      return { path: formatPath(issue.path), message: `unknown field ${names}` };
    }
    return { path: formatPath(issue.path), message: `${issue.message}, got ${shown(issue.path, input)}` };
  });
}

/** True when the issue is about a field that is absent, rather than present and wrong. */
export function isMissing(issue: z.core.$ZodIssue, input: unknown): boolean {
  return issue.code === "invalid_type" && valueAt(issue.path, input) === undefined && issue.path.length > 0;
}

function shown(path: readonly PathKey[], input: unknown): string {
  const value = valueAt(path, input);
  if (value === undefined) return "nothing";
  const last = path[path.length - 1];
  if (typeof last === "string" && SECRET_FIELDS.has(last)) return "a value that is not shown";
  const text = JSON.stringify(value) ?? typeof value; // undefined only for a function or symbol, which JSON never holds
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(path: readonly PathKey[], input: unknown): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
