// Switches for the ways real CAM may answer differently from our reading of its docs (issue 11, sections 2-4):
// lists left out or null, odd and extra rows and fields, the code for a key that is gone, and time lags. They
// apply around the handlers in actions.ts, which keep answering the documented shapes. Set by the seed's
// `answers`, or by POST /_sim/answers; all off by default.
import { z } from "zod";
import type { CamAction } from "../actions.js";
import { SimApiError } from "./api-error.js";
import { camDate } from "./cam-time.js";
import { intBetween } from "./schema-parts.js";
import type { KeyRecord } from "./key-record.js";

/** Codes CAM documents for Update and Delete that may mean "no such key"; which one it uses is undocumented. */
export const GONE_KEY_ANSWERS = [
  "ResourceNotFound.SecretNotExist",
  "OperationDenied.UinNotMatch",
  "FailedOperation.Accesskey",
  "InvalidParameter.ParamError",
] as const;

const DAYS_30_SEC = 30 * 86_400;

export const answerSwitchesSchema = z.strictObject(
  {
    /** How an empty AccessKeys, SecretIdLastUsedRows or Data list is sent. Absent: AccessKeys null, the others []. */
    emptyLists: z.enum(["null", "omitted", "empty"], { error: 'expected "null", "omitted" or "empty"' }).optional(),
    /** Rows sent after ListUsers' real ones, as written: Tencent's own example has one with `Uin: 0`. */
    extraUserRows: z
      .array(z.record(z.string(), z.unknown()), { error: "expected a list of objects" })
      .max(20)
      .optional(),
    /** Adds fields nobody documents to every answer and every row, as a newer CAM might. */
    extraFields: z.boolean({ error: "expected true or false" }).optional(),
    /** What UpdateAccessKey and DeleteAccessKey answer for a key the target user does not hold. */
    goneKeyCode: z.enum(GONE_KEY_ANSWERS, { error: `expected one of ${GONE_KEY_ANSWERS.join(", ")}` }).optional(),
    /** GetSecurityLastUsed reports a use only this many seconds after it happened (LastUsedDate is a day late). */
    lastUsedLagSec: intBetween(0, DAYS_30_SEC, `expected 0-${DAYS_30_SEC} seconds`).optional(),
    /** A new key is left out of ListAccessKeys for this many ms after CreateAccessKey answered. */
    listingLagMs: intBetween(0, 600_000, "expected 0-600000 ms").optional(),
  },
  { error: "expected an object of answer switches" }
);

export type AnswerSwitches = z.output<typeof answerSwitchesSchema>;
export type AnswerSwitchesInput = z.input<typeof answerSwitchesSchema>;

type Body = Record<string, unknown>;
const EXTRA = { SimulatorAddedField: "ignore me", SimulatorAddedList: [1, 2] };
const LISTS: Partial<Record<CamAction, string>> = {
  ListAccessKeys: "AccessKeys",
  GetSecurityLastUsed: "SecretIdLastUsedRows",
  ListUsers: "Data",
};

/** Applies the switches to one account world's answers; keeps the history the lags need. */
export class AnswerShaper {
  /** Uses per key, newest last, kept only as far back as the lag needs. */
  private readonly uses = new Map<string, number[]>();
  /** When each key CreateAccessKey made was answered (epoch ms), for the listing lag. */
  private readonly createdAt = new Map<string, number>();

  constructor(private switches: AnswerSwitches = {}) {}

  current(): AnswerSwitches {
    return { ...this.switches };
  }

  set(switches: AnswerSwitches): void {
    this.switches = switches;
  }

  /** Call before `key.lastUsedAt` moves to `at`: keeps the uses a lagged report may still have to show. */
  recordUse(key: KeyRecord, at: number): void {
    const history = this.uses.get(key.accessKeyId) ?? (key.lastUsedAt === null ? [] : [key.lastUsedAt]);
    history.push(at);
    const cutoff = at - (this.switches.lastUsedLagSec ?? 0) * 1000;
    // Everything at or before the cutoff is visible already; only the newest of those can still be reported.
    const firstHidden = history.findIndex((use) => use > cutoff);
    const keepFrom = firstHidden < 0 ? history.length - 1 : Math.max(0, firstHidden - 1);
    this.uses.set(key.accessKeyId, history.slice(keepFrom));
  }

  /** The last use CAM would report at `now` (epoch ms), or null. */
  reportedUse(key: KeyRecord, now: number): number | null {
    const lagMs = (this.switches.lastUsedLagSec ?? 0) * 1000;
    if (lagMs === 0) return key.lastUsedAt;
    const history = this.uses.get(key.accessKeyId) ?? (key.lastUsedAt === null ? [] : [key.lastUsedAt]);
    const visible = history.filter((use) => use <= now - lagMs);
    return visible.length === 0 ? null : visible[visible.length - 1]!;
  }

  /** A successful answer, as CAM with these switches would send it. */
  shape(action: CamAction, body: Body, now: number, keyOf: (id: string) => KeyRecord | undefined): Body {
    let shaped = { ...body };
    if (action === "CreateAccessKey") {
      const id = (body.AccessKey as { AccessKeyId: string }).AccessKeyId;
      this.createdAt.set(id, now);
    }
    if (action === "ListAccessKeys") shaped.AccessKeys = this.listed(shaped.AccessKeys as Body[] | null, now);
    if (action === "GetSecurityLastUsed")
      shaped.SecretIdLastUsedRows = this.lagged(shaped.SecretIdLastUsedRows as Body[], now, keyOf);
    if (action === "ListUsers" && this.switches.extraUserRows) {
      shaped.Data = [...(shaped.Data as Body[]), ...this.switches.extraUserRows];
    }
    const list = LISTS[action];
    if (list) shaped = this.emptyList(shaped, list);
    return this.switches.extraFields ? withExtraFields(shaped) : shaped;
  }

  /** An error from a handler, as CAM with these switches would send it. */
  shapeError(action: CamAction, error: SimApiError): SimApiError {
    const gone = this.switches.goneKeyCode;
    if (
      gone &&
      error.code === "ResourceNotFound.SecretNotExist" &&
      (action === "UpdateAccessKey" || action === "DeleteAccessKey")
    ) {
      return new SimApiError(gone, `${error.message} (answered as ${gone} by the goneKeyCode switch)`);
    }
    return error;
  }

  private listed(keys: Body[] | null, now: number): Body[] | null {
    const lagMs = this.switches.listingLagMs ?? 0;
    if (keys === null || lagMs === 0) return keys;
    const shown = keys.filter((key) => {
      const created = this.createdAt.get(key.AccessKeyId as string);
      return created === undefined || now - created >= lagMs;
    });
    return shown.length === 0 ? null : shown;
  }

  private lagged(rows: Body[], now: number, keyOf: (id: string) => KeyRecord | undefined): Body[] {
    if ((this.switches.lastUsedLagSec ?? 0) === 0) return rows;
    return rows.map((row) => {
      const key = keyOf(row.SecretId as string);
      const use = key ? this.reportedUse(key, now) : null;
      return { ...row, LastUsedDate: use === null ? null : camDate(use), LastSecretUsedDate: use };
    });
  }

  private emptyList(body: Body, field: string): Body {
    const value = body[field];
    const empty = value === null || value === undefined || (Array.isArray(value) && value.length === 0);
    if (!empty) return body;
    switch (this.switches.emptyLists) {
      case undefined:
        return body;
      case "null":
        return { ...body, [field]: null };
      case "empty":
        return { ...body, [field]: [] };
      case "omitted": {
        const { [field]: _left, ...rest } = body;
        return rest;
      }
      default: {
        const unreachable: never = this.switches.emptyLists;
        return unreachable;
      }
    }
  }
}

/** Adds undocumented fields to the answer, to each row of its lists, and to a created key. */
function withExtraFields(body: Body): Body {
  const out: Body = { ...body, ...EXTRA };
  for (const [field, value] of Object.entries(body)) {
    if (Array.isArray(value)) out[field] = value.map((row: unknown) => (isObject(row) ? { ...row, ...EXTRA } : row));
    else if (isObject(value)) out[field] = { ...value, ...EXTRA };
  }
  return out;
}

function isObject(value: unknown): value is Body {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
