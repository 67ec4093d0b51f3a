// Zod building blocks shared by the seed, control-plane and request schemas, each with a message that says
// what was expected (issues.ts adds the path and the value received).
import { z } from "zod";

const POSITIVE_INT = "expected a positive integer";
export const positiveInt = z
  .number({ error: POSITIVE_INT })
  .int({ error: POSITIVE_INT })
  .positive({ error: POSITIVE_INT });

export const integer = z.number({ error: "expected an integer" }).int({ error: "expected an integer" });

const CAM_TIME = 'expected a time "YYYY-MM-DD HH:mm:ss"';
export const camTimeText = z
  .string({ error: CAM_TIME })
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, { error: CAM_TIME });

export const keyStatus = z.enum(["Active", "Inactive"], { error: 'expected "Active" or "Inactive"' });

/** A string of 1 to `max` characters. */
export function text(max: number) {
  const expected = `expected a string of 1-${max} characters`;
  return z.string({ error: expected }).min(1, { error: expected }).max(max, { error: expected });
}

/** An integer in [min, max]; `expected` says what it means, e.g. "expected 0-120000 ms". */
export function intBetween(min: number, max: number, expected: string) {
  return z
    .number({ error: expected })
    .int({ error: expected })
    .min(min, { error: expected })
    .max(max, { error: expected });
}
