// Schemas for the CAM responses the rotator reads. A response that does not match becomes a typed error
// instead of an `undefined` that travels on. Messages name the field, never its value (it may be a secret).
// Read the way the official SDK models allow: fields Tencent does not promise (the `?` in the models) may be
// missing or null, and fields we do not know are ignored (zod's z.object strips them).
import { z } from "zod";
import type { CamAction } from "./actions.js";
import { CAM_TIME, parseCamDay, parseCamTime } from "./time-text.js";

const status = z.enum(["Active", "Inactive"]);
/** CreateTime, read as epoch ms; the shape check leaves parseCamTime nothing it cannot read. */
const createTime = z
  .string()
  .regex(CAM_TIME)
  .transform((text) => parseCamTime(text) as number);
const accessKeyId = z.string().min(1).max(128);
const uinText = z.union([z.string().min(1), z.number()]).transform(String);

/**
 * A list the SDK models mark optional: missing or null reads as empty. The rows stay unparsed here, so that
 * each list decides whether one odd row fails the whole answer (see `rowsOf`).
 */
const optionalList = z
  .array(z.unknown())
  .nullish()
  .transform((rows) => rows ?? []);

const accessKey = z.object({
  AccessKeyId: accessKeyId,
  Status: status,
  CreateTime: createTime,
  Description: z.string().nullish(),
});

/** Rows of the lists; exported for `rowsOf`. */
export const rowSchemas = {
  /** ListAccessKeys is all-or-nothing: the two-key rule, orphans and retirement need the user's full key list. */
  accessKey,
  /** A row skipped here only removes evidence of use, and a key without a row counts as used (key-removal.ts). */
  lastUsed: z
    .object({
      SecretId: accessKeyId,
      LastUsedDate: z.string().nullish(),
      LastSecretUsedDate: z.number().nullish(),
    })
    .refine(
      (row) => row.LastSecretUsedDate != null || row.LastUsedDate == null || parseCamDay(row.LastUsedDate) !== null,
      // The exact time, when given, decides alone; without it an unreadable day is no evidence either way.
      { path: ["LastUsedDate"], message: "not a YYYY-MM-DD day, and no LastSecretUsedDate" }
    ),
  /** Tencent's own example has a row with `Uin: 0`: such a row names nobody we could rotate, so it is skipped. */
  user: z.object({
    Uin: z.number().int().positive(),
    Name: z.string(),
    Uid: z.number().int().nullish(),
    Remark: z.string().nullish(),
  }),
};

export const responseSchemas = {
  CreateAccessKey: z.object({
    // Documented as possible: null means created, answer incomplete (the client turns it into CreatedWithoutAccessKey).
    // A missing field is not documented: it stays malformed, an answer of unknown meaning.
    AccessKey: accessKey.extend({ SecretAccessKey: z.string().min(1) }).nullable(),
  }),
  ListAccessKeys: z.object({
    AccessKeys: z
      .array(accessKey)
      .nullish()
      .transform((keys) => keys ?? []),
  }),
  UpdateAccessKey: z.object({}),
  DeleteAccessKey: z.object({}),
  GetSecurityLastUsed: z.object({ SecretIdLastUsedRows: optionalList }),
  ListUsers: z.object({ Data: optionalList }),
  GetUserAppId: z.object({
    Uin: z.union([z.string(), z.number()]).transform(String),
    OwnerUin: z.union([z.string(), z.number()]).transform(String),
    AppId: z.number().int(),
  }),
  // STS: every field a string in the SDK model; a number is read as its digits all the same.
  GetCallerIdentity: z.object({
    AccountId: uinText,
    UserId: uinText,
    PrincipalId: uinText,
    Type: z.string(),
    Arn: z.string(),
  }),
} satisfies Record<CamAction, z.ZodType>;

export type CamResponse<A extends CamAction> = z.output<(typeof responseSchemas)[A]>;

/** Parses a response, or describes what is wrong with it by field path only. */
export function parseResponse<A extends CamAction>(
  action: A,
  body: unknown
): { ok: true; value: CamResponse<A> } | { ok: false; problem: string } {
  const result = responseSchemas[action].safeParse(body);
  if (result.success) return { ok: true, value: result.data as CamResponse<A> };
  return { ok: false, problem: describeIssues(result.error) };
}

/** A row left out of a list, by its index and the fields that were wrong (never their values). */
export interface SkippedRow {
  index: number;
  problem: string;
}

/** The rows of `list` that match `schema`; the others are skipped and described, never fail the whole list. */
export function rowsOf<T>(list: unknown[], schema: z.ZodType<T>, field: string): { rows: T[]; skipped: SkippedRow[] } {
  const rows: T[] = [];
  const skipped: SkippedRow[] = [];
  list.forEach((raw, index) => {
    const result = schema.safeParse(raw);
    if (result.success) rows.push(result.data);
    else skipped.push({ index, problem: describeIssues(result.error, `${field}.${index}`) });
  });
  return { rows, skipped };
}

function describeIssues(error: z.ZodError, prefix?: string): string {
  return error.issues
    .slice(0, 3)
    .map(
      (issue) => `${[prefix, ...issue.path].filter((part) => part !== undefined).join(".") || "(root)"}: ${issue.code}`
    )
    .join("; ");
}
