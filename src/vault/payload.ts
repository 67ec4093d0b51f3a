// The secret document consumers of the vault read, and the only code that turns it into text and back.
// Problems are described by field path and rule, never by value: the document holds a SecretKey.
import { z } from "zod";
import type { SecretPayload, SecretRef } from "./port.js";

const payloadSchema = z.object({
  SecretId: z.string().min(1).max(128),
  SecretKey: z.string().min(1),
  Uin: z.number().int().positive(),
  Account: z.string().min(1),
  CreateTime: z.string().min(1),
  RotatedAt: z.string().min(1),
});

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * "path: rule" for the first few issues. zod's own messages are not used because some echo input; the messages
 * of "custom" issues are ours (written in a refine) and say more than the bare code.
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.code === "custom" ? issue.message : issue.code}`)
    .join("; ");
}

/** Fixed field order, so that equal payloads serialize to equal text whatever order the caller built them in. */
export function serializePayload(payload: SecretPayload): string {
  const { SecretId, SecretKey, Uin, Account, CreateTime, RotatedAt } = payload;
  return JSON.stringify({ SecretId, SecretKey, Uin, Account, CreateTime, RotatedAt });
}

export function parsePayload(text: string): ParseResult<SecretPayload> {
  return parseJson(text, payloadSchema);
}

/**
 * Only the access key id of a stored version, whatever else the document holds: versions written by hand (e.g.
 * `{"SecretId", "SecretKey"}` alone) still tell which key they hold. The problem names the rule, never a value.
 */
export function keyIdOf(text: string): ParseResult<string> {
  const parsed = parseJson(text, payloadSchema.pick({ SecretId: true }));
  return parsed.ok ? { ok: true, value: parsed.value.SecretId } : parsed;
}

/** The times a stored version holds, as far as it holds them: a version written by hand may hold neither. */
export function timesOf(text: string): Partial<Pick<SecretPayload, "RotatedAt" | "CreateTime">> {
  const parsed = parseJson(text, payloadSchema.pick({ RotatedAt: true, CreateTime: true }).partial());
  return parsed.ok ? parsed.value : {};
}

function parseJson<T>(text: string, schema: z.ZodType<T>): ParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: "not JSON" };
  }
  const result = schema.safeParse(json);
  return result.success ? { ok: true, value: result.data } : { ok: false, problem: describeIssues(result.error) };
}

export function samePayload(a: SecretPayload, b: SecretPayload): boolean {
  return serializePayload(a) === serializePayload(b);
}

/** Why `value` cannot be stored for `ref`, or undefined when it can. Names fields and non-secret values only. */
export function payloadProblem(ref: SecretRef, value: SecretPayload): string | undefined {
  const result = payloadSchema.safeParse(value);
  if (!result.success) return `payload invalid: ${describeIssues(result.error)}`;
  if (value.Account !== ref.account)
    return `payload Account "${value.Account}" does not match account "${ref.account}"`;
  if (value.Uin !== ref.uin) return `payload Uin ${value.Uin} does not match uin ${ref.uin}`;
  return undefined;
}
