// Authentication of the Redis records that license an action on a key: progress records (their attempt fields
// name keys reconcile may delete as orphans) and flags (an approval licenses a removal). Anyone who can write the
// prefix could forge them, so each stored record carries an HMAC-SHA256 under CAM_ROTATOR_RECORD_KEY, shared by
// the daemons and the admin CLI. The MAC covers the whole stored record (every field, whoever adds it) and the
// Redis key it lives under, so a record cannot be moved to another user either.
import { createHmac, timingSafeEqual } from "node:crypto";

export const RECORD_KEY_ENV = "CAM_ROTATOR_RECORD_KEY";
export const MAC_FIELD = "mac";
const MIN_KEY_BYTES = 32;

/** Signs and checks records; `null` in its place means records are neither signed nor checked (no key). */
export interface RecordSigner {
  sign(scope: string, fields: Record<string, string>): string;
  verify(scope: string, fields: Record<string, string>, mac: string | undefined): boolean;
}

/** What a store does with a record that fails its MAC: it ignores the record and reports it here (an alert). */
export type RejectedRecord = (record: {
  kind: "progress" | "flag";
  scope: string;
  why: string;
  account?: string;
  uin?: number;
  keyId?: string;
}) => void;

/** The record key from the environment: null when unset; an error naming the variable (never its value) when malformed. */
export function loadRecordKey(env: NodeJS.ProcessEnv = process.env): Buffer | null {
  const text = env[RECORD_KEY_ENV];
  if (text === undefined || text === "") return null;
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(text.trim()) ? Buffer.from(text.trim(), "base64") : Buffer.alloc(0);
  if (key.length < MIN_KEY_BYTES)
    throw new Error(
      `${RECORD_KEY_ENV}: expected at least ${MIN_KEY_BYTES} random bytes in base64 (e.g. \`openssl rand -base64 32\`); ` +
        `the value set is not (not shown)`
    );
  return key;
}

export function createRecordSigner(key: Buffer): RecordSigner {
  const sign = (scope: string, fields: Record<string, string>) =>
    createHmac("sha256", key).update(canonical(scope, fields)).digest("base64");
  return {
    sign,
    verify(scope, fields, mac) {
      if (mac === undefined) return false;
      const expected = Buffer.from(sign(scope, fields), "base64");
      const given = Buffer.from(mac, "base64");
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/** Field order must not matter, and no two different records may serialize alike: JSON of sorted pairs. */
function canonical(scope: string, fields: Record<string, string>): string {
  const pairs = Object.entries(fields)
    .filter(([name]) => name !== MAC_FIELD)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([scope, pairs]);
}
