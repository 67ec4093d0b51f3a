// Schemas for the CAM responses the rotator reads. A response that does not match becomes a typed error
// instead of an `undefined` that travels on. Messages name the field, never its value (it may be a secret).
import { z } from "zod";
import type { CamAction } from "./actions.js";

const status = z.enum(["Active", "Inactive"]);
const createTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
const accessKeyId = z.string().min(1).max(128);
const uinText = z.union([z.string().min(1), z.number()]).transform(String);

const accessKey = z.object({
  AccessKeyId: accessKeyId,
  Status: status,
  CreateTime: createTime,
  Description: z.string().nullish(),
});

export const responseSchemas = {
  CreateAccessKey: z.object({
    AccessKey: accessKey.extend({ SecretAccessKey: z.string().min(1) }),
  }),
  ListAccessKeys: z.object({ AccessKeys: z.array(accessKey).nullable() }),
  UpdateAccessKey: z.object({}),
  DeleteAccessKey: z.object({}),
  GetSecurityLastUsed: z.object({
    SecretIdLastUsedRows: z.array(z.object({
      SecretId: accessKeyId,
      LastUsedDate: z.string().nullish(),
      LastSecretUsedDate: z.number().nullish(),
    })).nullable(),
  }),
  ListUsers: z.object({
    Data: z.array(z.object({
      Uin: z.number().int().positive(),
      Name: z.string(),
      Uid: z.number().int().nullish(),
      Remark: z.string().nullish(),
    })).nullable(),
  }),
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
export function parseResponse<A extends CamAction>(action: A, body: unknown):
  { ok: true; value: CamResponse<A> } | { ok: false; problem: string } {
  const result = responseSchemas[action].safeParse(body);
  if (result.success) return { ok: true, value: result.data as CamResponse<A> };
  const problem = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.code}`)
    .join("; ");
  return { ok: false, problem };
}
