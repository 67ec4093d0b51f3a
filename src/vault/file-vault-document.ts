// The file vault's document: its schema, and the pure label operations on it (the same semantics as Secrets
// Manager: one version per label, AWSPREVIOUS follows AWSCURRENT, unlabelled versions are pruned).
//
// Key ids (accessKeyId) are stored in clear beside each encrypted value: they are not secret (CAM lists them,
// logs and events carry them), and describe() then needs no decryption. They are authenticated as AAD.
import { z } from "zod";
import type { Sealed } from "./file-vault-crypto.js";
import { FileVaultFault } from "./file-vault-fault.js";
import { describeIssues } from "./payload.js";
import type { SecretRef, VaultStage } from "./port.js";

const FORMAT = "cam-rotator-file-vault";
/** Unlabelled versions kept per secret, newest first; older ones are dropped like AWS drops deprecated versions. */
export const DEFAULT_KEEP_UNLABELLED = 10;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const sealedSchema = z.object({ iv: base64, tag: base64, data: base64 });
const stageSchema = z.enum(["AWSCURRENT", "AWSPENDING", "AWSPREVIOUS"]);
const versionSchema = z.object({
  versionId: z.string().regex(/^[A-Za-z0-9_-]{32,64}$/),
  accessKeyId: z.string().min(1).max(128),
  createdAt: z.string(),
  stages: z.array(stageSchema),
  sealed: sealedSchema,
});
const secretSchema = z
  .object({
    account: z.string().min(1),
    uin: z.number().int().positive(),
    versions: z.array(versionSchema),
    /** The clear planning index (file-vault-index.ts), set at promote; absent in files written before it existed. */
    planning: z.object({ currentKeyId: z.string().min(1).max(128), rotatedAt: z.string().min(1).max(64) }).optional(),
  })
  .superRefine((secret, context) => {
    const ids = new Set<string>();
    for (const version of secret.versions) {
      if (ids.has(version.versionId))
        context.addIssue({ code: "custom", message: "duplicate version id", path: ["versions"] });
      ids.add(version.versionId);
    }
    for (const stage of stageSchema.options) {
      if (secret.versions.filter((version) => version.stages.includes(stage)).length > 1)
        context.addIssue({ code: "custom", message: `${stage} on several versions`, path: ["versions"] });
    }
  });
const documentSchema = z.object({
  format: z.literal(FORMAT),
  formatVersion: z.literal(1),
  keyCheck: sealedSchema,
  secrets: z.record(z.string(), secretSchema),
});

export type VaultDocument = z.infer<typeof documentSchema>;
export type StoredSecret = z.infer<typeof secretSchema>;
export type StoredVersion = z.infer<typeof versionSchema>;

export function newDocument(keyCheck: Sealed): VaultDocument {
  return { format: FORMAT, formatVersion: 1, keyCheck, secrets: {} };
}

/** Parses the file's bytes; a damaged or foreign file is a permanent fault naming what is wrong, not the content. */
export function parseDocument(raw: Buffer, path: string): VaultDocument {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new FileVaultFault("permanent", `vault file ${path} is corrupted: not JSON (${raw.length} bytes)`);
  }
  const result = documentSchema.safeParse(json);
  if (!result.success)
    throw new FileVaultFault(
      "permanent",
      `vault file ${path} is corrupted or not a cam-rotator vault: ${describeIssues(result.error)}`
    );
  return result.data;
}

export function serializeDocument(document: VaultDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

export function secretKey(ref: SecretRef): string {
  return `${ref.account}/${ref.uin}`;
}

/** What a version's ciphertext is bound to; changing any of these in the file breaks decryption. */
export function versionAad(key: string, version: Pick<StoredVersion, "versionId" | "accessKeyId">): string {
  return JSON.stringify(["cam-rotator-file-vault", key, version.versionId, version.accessKeyId]);
}

export function holder(secret: StoredSecret | undefined, stage: VaultStage): StoredVersion | undefined {
  return secret?.versions.find((version) => version.stages.includes(stage));
}

export function findVersion(secret: StoredSecret | undefined, versionId: string): StoredVersion | undefined {
  return secret?.versions.find((version) => version.versionId === versionId);
}

function removeLabel(secret: StoredSecret, stage: VaultStage): void {
  for (const version of secret.versions) version.stages = version.stages.filter((label) => label !== stage);
}

function addLabel(version: StoredVersion, stage: VaultStage): void {
  if (!version.stages.includes(stage)) version.stages.push(stage);
}

/** Appends a version as AWSPENDING; the label leaves any other version, as PutSecretValue does. */
export function addPending(secret: StoredSecret, version: Omit<StoredVersion, "stages">, keepUnlabelled: number): void {
  removeLabel(secret, "AWSPENDING");
  secret.versions.push({ ...version, stages: ["AWSPENDING"] });
  prune(secret, keepUnlabelled);
}

/** Moves AWSCURRENT to `version` (the old current becomes AWSPREVIOUS) and drops its AWSPENDING. */
export function promoteVersion(secret: StoredSecret, version: StoredVersion, keepUnlabelled: number): boolean {
  const current = holder(secret, "AWSCURRENT");
  const wasPending = version.stages.includes("AWSPENDING");
  if (current === version && !wasPending) return false;
  if (current !== version) {
    removeLabel(secret, "AWSCURRENT");
    if (current) {
      removeLabel(secret, "AWSPREVIOUS");
      addLabel(current, "AWSPREVIOUS");
    }
    version.stages = version.stages.filter((label) => label !== "AWSPREVIOUS");
    addLabel(version, "AWSCURRENT");
  }
  version.stages = version.stages.filter((label) => label !== "AWSPENDING");
  prune(secret, keepUnlabelled);
  return true;
}

export function discardPendingLabel(secret: StoredSecret | undefined, versionId: string): boolean {
  const version = findVersion(secret, versionId);
  if (!version?.stages.includes("AWSPENDING")) return false;
  version.stages = version.stages.filter((label) => label !== "AWSPENDING");
  return true;
}

function prune(secret: StoredSecret, keepUnlabelled: number): void {
  const unlabelled = secret.versions.filter((version) => version.stages.length === 0);
  const drop = new Set(unlabelled.slice(0, Math.max(0, unlabelled.length - keepUnlabelled)));
  if (drop.size > 0) secret.versions = secret.versions.filter((version) => !drop.has(version));
}
