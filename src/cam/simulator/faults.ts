// Faults queued through POST /_sim/faults (nullAccessKey: CreateAccessKey succeeds, answering AccessKey: null).
// Each applies to the next `times` admitted requests of its action (or
// of any action, "*"), in the order queued.
import { z } from "zod";
import { CAM_ACTIONS } from "../actions.js";
import { intBetween, positiveInt, text } from "./schema-parts.js";

const common = {
  action: z.enum([...CAM_ACTIONS, "*"], { error: `expected one of ${CAM_ACTIONS.join(", ")} or "*"` }).default("*"),
  times: positiveInt.default(1),
};

export const faultSchema = z.discriminatedUnion(
  "fault",
  [
    z.strictObject({
      ...common,
      fault: z.literal("error"),
      code: z
        .string({ error: "expected an error code like InternalError" })
        .regex(/^[A-Za-z]+(\.[A-Za-z0-9]+)*$/, { error: "expected an error code like InternalError" }),
      message: text(500).optional(),
    }),
    z.strictObject({
      ...common,
      fault: z.literal("latency"),
      ms: intBetween(0, 120_000, "expected 0-120000 ms"),
    }),
    z.strictObject({
      ...common,
      fault: z.literal("http"),
      status: intBetween(201, 599, "expected an HTTP status 201-599"),
    }),
    z.strictObject({ ...common, fault: z.literal("garbage") }),
    z.strictObject({ ...common, fault: z.literal("lostResponse") }),
    // CAM documents CreateAccessKey's AccessKey as possibly null: the key is created, the answer does not show it.
    z.strictObject({
      action: z.literal("CreateAccessKey", { error: 'nullAccessKey applies to "CreateAccessKey" only' }),
      times: positiveInt.default(1),
      fault: z.literal("nullAccessKey"),
    }),
  ],
  { error: 'expected "fault" to be one of error, latency, http, garbage, lostResponse, nullAccessKey' }
);

export const faultListSchema = z.array(faultSchema, { error: "expected a list of faults" });

export type FaultSpec = z.output<typeof faultSchema>;
export type FaultSpecInput = z.input<typeof faultSchema>;
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** One application of a fault, without the queueing fields. */
export type Fault = OmitEach<FaultSpec, "action" | "times">;

export class FaultQueue {
  private queue: FaultSpec[] = [];

  add(specs: FaultSpec[]): void {
    this.queue.push(...specs.map((spec) => ({ ...spec })));
  }

  /** The fault for this request, if one is queued for its action; uses up one of its `times`. */
  take(action: string): Fault | undefined {
    const index = this.queue.findIndex((spec) => spec.action === "*" || spec.action === action);
    if (index < 0) return undefined;
    const spec = this.queue[index]!;
    spec.times -= 1;
    if (spec.times === 0) this.queue.splice(index, 1);
    const { action: _action, times: _times, ...fault } = spec;
    return fault;
  }

  pending(): FaultSpec[] {
    return this.queue.map((spec) => ({ ...spec }));
  }

  clear(): void {
    this.queue = [];
  }
}
