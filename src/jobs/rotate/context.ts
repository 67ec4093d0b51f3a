// What every rotate step receives: the services (deps), the user being rotated (run), and the snapshot the
// steps pass along. The new key's secret appears only in InFlightKey, in memory (P1, P4).
import type { Logger } from "pino";
import type { AccessKey, CamApi } from "../../cam/types.js";
import type { AccountConfig, Config } from "../../config/schema.js";
import type { SecretRef, Vault, VaultDescription } from "../../vault/port.js";
import type { EngineObserver } from "../engine/face.js";
import type { EventLog, NewEvent } from "../events.js";
import type { FlagStore } from "../flags.js";
import type { ProgressRecord, ProgressStore } from "../progress.js";
import type { RetireJobData } from "../queue.js";

export interface RetirementScheduler {
  /** Adds the retire job for one phase of one key after `delayMs`; a no-op if that job already exists. */
  schedule(data: RetireJobData, delayMs: number): Promise<void>;
}

export interface RotationDeps {
  cam: CamApi;
  vault: Vault;
  progress: ProgressStore;
  flags: FlagStore;
  events: EventLog;
  retirements: RetirementScheduler;
  account: AccountConfig;
  rotation: Config["rotation"];
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  log: Logger;
  observer?: EngineObserver;
}

export interface RotationRun {
  account: string;
  uin: number;
  ref: SecretRef;
  /** `<job id>@<job timestamp>`: the same job resumed after a crash has the same run id. */
  runId: string;
  /** Rotate even if the current key is younger than maxKeyAgeDays. */
  force: boolean;
}

/** What inspect saw, refreshed by the steps that change it. */
export interface Snapshot {
  keys: AccessKey[];
  vault: VaultDescription;
  progress: ProgressRecord;
}

/** The key this attempt created (or resumes). */
export interface InFlightKey {
  accessKeyId: string;
  /** Known with the secret, for a key fresh from CreateAccessKey: stage writes it into the vault document. */
  createdAt?: number;
  /** Only between CreateAccessKey and the end of verify in the same process; never logged or stored elsewhere. */
  secretAccessKey?: string;
  /** Set once the vault holds it as AWSPENDING. */
  versionId?: string;
  /** Fresh from CreateAccessKey: Redis writes before the vault write wait no later than this (hand-off.ts). */
  handOffBy?: number;
}

export function emit(deps: RotationDeps, run: RotationRun, event: Omit<NewEvent, "account" | "uin">): Promise<string> {
  return deps.events.append({ account: run.account, uin: run.uin, ...event });
}

export function keyIdsOf(description: VaultDescription): Set<string> {
  return new Set(
    [description.current, description.pending, description.previous]
      .filter((version) => version !== undefined)
      .map((version) => version.accessKeyId)
  );
}
