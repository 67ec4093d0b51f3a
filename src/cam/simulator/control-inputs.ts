// Inputs of the control plane besides seeds and faults: a key planted by a "foreign actor", and the clock.
import { z } from "zod";
import { camTimeText, integer, keyStatus, positiveInt, text } from "./schema-parts.js";

/** A key created outside the rotator (console, another tool). Its secret is never revealed to anyone. */
export const foreignKeySchema = z.strictObject(
  {
    ownerUin: positiveInt,
    uin: positiveInt,
    status: keyStatus.optional(),
    createTime: camTimeText.optional(),
    description: text(1024).optional(),
  },
  { error: "expected an object" }
);

export type ForeignKeyInput = z.input<typeof foreignKeySchema>;

export const clockSchema = z.strictObject({ offsetSec: integer }, { error: "expected an object" });
