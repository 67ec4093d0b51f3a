// Request parameters of each action, as CAM documents them. Unknown fields get UnknownParameter, absent required
// ones MissingParameter, anything else malformed InvalidParameter; the message names the field.
import { z } from "zod";
import type { CamAction } from "../actions.js";
import { SimApiError } from "./api-error.js";
import { describeIssues, isMissing } from "./issues.js";
import { keyStatus, positiveInt, text } from "./schema-parts.js";

const accessKeyId = text(128);
const targetUin = positiveInt.optional();

export const paramSchemas = {
  CreateAccessKey: z.strictObject({
    TargetUin: targetUin,
    Description: text(1024).optional(),
  }),
  ListAccessKeys: z.strictObject({ TargetUin: targetUin }),
  UpdateAccessKey: z.strictObject({
    TargetUin: targetUin,
    AccessKeyId: accessKeyId,
    Status: keyStatus,
  }),
  DeleteAccessKey: z.strictObject({ TargetUin: targetUin, AccessKeyId: accessKeyId }),
  GetSecurityLastUsed: z.strictObject({
    SecretIdList: z
      .array(accessKeyId, { error: "expected a list of 1-10 SecretIds" })
      .min(1, { error: "expected a list of 1-10 SecretIds" })
      .max(10, { error: "expected a list of 1-10 SecretIds" }),
  }),
  ListUsers: z.strictObject({}),
  GetUserAppId: z.strictObject({}),
  GetCallerIdentity: z.strictObject({}),
} satisfies Record<CamAction, z.ZodType>;

export type ActionParams<A extends CamAction> = z.output<(typeof paramSchemas)[A]>;

export function parseParams<A extends CamAction>(action: A, body: Buffer): ActionParams<A> {
  let json: unknown = {};
  if (body.length > 0) {
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      throw new SimApiError("InvalidParameter", "the request body is not JSON");
    }
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new SimApiError("InvalidParameter", "the request body must be a JSON object");
  }
  const result = paramSchemas[action].safeParse(json);
  if (result.success) return result.data as ActionParams<A>;
  const first = result.error.issues[0]!;
  const code =
    first.code === "unrecognized_keys"
      ? "UnknownParameter"
      : isMissing(first, json)
        ? "MissingParameter"
        : "InvalidParameter";
  const problem = describeIssues(result.error, json)[0]!;
  throw new SimApiError(code, `${problem.path}: ${problem.message}`);
}
