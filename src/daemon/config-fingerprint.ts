// The fingerprint of the settings that must agree across daemons sharing a Redis prefix: where the vault is
// (identity.ts's inputs), which accounts and users are rotated under which policies, and how rotations and
// retirements run. Credentials (even the names of their variables), worker, limiter and http settings may differ
// per host and are left out. Each section is hashed on its own, so a mismatch can say where the configs differ.
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { resolve } from "node:path";
import type { Config } from "../config/index.js";
import { endpointIdentity } from "../vault/identity.js";

export const FINGERPRINT_SECTIONS = ["vault", "accounts", "rotation"] as const;
export type FingerprintSection = (typeof FINGERPRINT_SECTIONS)[number];

export interface ConfigFingerprint {
  /** Hash over every section. */
  hash: string;
  sections: Record<FingerprintSection, string>;
}

export function configFingerprint(config: Config, host: string = hostname()): ConfigFingerprint {
  const vault =
    config.vault.type === "file"
      ? { type: "file", host, path: resolve(config.vault.path) }
      : {
          type: config.vault.type,
          region: config.vault.region,
          endpoint: endpointIdentity(config.vault.endpoint),
          nameTemplate: config.vault.nameTemplate,
        };
  const accounts = [...config.accounts]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((account) => ({
      name: account.name,
      endpoint: account.endpoint ?? "default",
      users: account.users,
      schedule: account.schedule,
      timezone: account.timezone,
      maxKeyAgeDays: account.maxKeyAgeDays,
      retire: account.retire,
      overLimit: account.overLimit,
      rateLimits: account.rateLimits ?? {},
    }));
  const sections = { vault: digest(vault), accounts: digest(accounts), rotation: digest(config.rotation) };
  return { hash: digest(sections), sections };
}

/** The sections in which two fingerprints differ. */
export function differingSections(a: ConfigFingerprint, b: ConfigFingerprint): FingerprintSection[] {
  return FINGERPRINT_SECTIONS.filter((section) => a.sections[section] !== b.sections[section]);
}

function digest(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 16);
}

/** JSON with object keys sorted at every level, so equal settings hash equally whatever their order in the file. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
