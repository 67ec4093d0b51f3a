// `cam-rotator canary`: the life of one key of a designated, disposable canary user, call by call, as a rotation
// and its retirement make them: who the credentials are (STS), the user list, CreateAccessKey, how long the new key
// takes to authenticate, how CAM reports its last use, deactivation and deletion. Each step is timed; a refusal
// names the policy line that is missing. The new key's secret stays in this process's memory and is never shown.
import type { CamAction } from "../cam/actions.js";
import { isCamError } from "../cam/errors.js";
import { AUTHORIZATION_REFUSED, identityMismatch, proveKey, type KeyProof } from "../cam/key-proof.js";
import type { CamApi, CamCredentials } from "../cam/types.js";

export type StepStatus = "ok" | "failed" | "skipped";

export interface CanaryStep {
  step: string;
  status: StepStatus;
  ms: number;
  detail: string;
  /** The policy line whose absence made CAM refuse the call, e.g. "cam:CreateAccessKey". */
  missingPermission?: string;
}

export interface CanaryReport {
  account: string;
  uin: number;
  ok: boolean;
  steps: CanaryStep[];
  /** Milliseconds from CreateAccessKey's answer to the first accepted signature of the new key. */
  authenticatedAfterMs: number | null;
  /** What GetSecurityLastUsed said about the new key right after it signed its proof. */
  lastUse: { reported: boolean; lastUsedDate: string | null; lastSecretUsedDate: number | null } | null;
}

export interface CanaryInput {
  cam: CamApi;
  uin: number;
  verifyTimeoutMs: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Hears each step as it ends (progress for a human). */
  onStep?: (step: CanaryStep) => void;
}

/** The line a policy needs for an action: Tencent's `service:Action`. */
export function policyLine(action: CamAction): string {
  return `${action === "GetCallerIdentity" ? "sts" : "cam"}:${action}`;
}

class StepFailed extends Error {
  constructor(
    message: string,
    readonly missingPermission?: string
  ) {
    super(message);
  }
}

export async function runCanary(input: CanaryInput): Promise<CanaryReport> {
  const { cam, uin } = input;
  const clock = input.clock ?? Date.now;
  const steps: CanaryStep[] = [];
  const report: CanaryReport = {
    account: cam.account,
    uin,
    ok: false,
    steps,
    authenticatedAfterMs: null,
    lastUse: null,
  };

  /** Runs one step; a CAM refusal for lack of permission becomes a failed step naming the missing line. */
  async function step<T>(
    name: string,
    action: CamAction | null,
    run: () => Promise<{ value: T; detail: string }>,
    ifFailed?: () => string
  ): Promise<T | undefined> {
    const started = clock();
    const record = (status: StepStatus, detail: string, missingPermission?: string) => {
      const entry: CanaryStep = {
        step: name,
        status,
        ms: clock() - started,
        detail: status === "failed" && ifFailed ? `${detail}; ${ifFailed()}` : detail,
        ...(missingPermission === undefined ? {} : { missingPermission }),
      };
      steps.push(entry);
      input.onStep?.(entry);
    };
    try {
      const { value, detail } = await run();
      record("ok", detail);
      return value;
    } catch (error) {
      if (action !== null && isCamError(error) && AUTHORIZATION_REFUSED.includes(error.code)) {
        const line = policyLine(action);
        record("failed", `denied (${error.code}): the policy lacks "${line}"`, line);
      } else if (error instanceof StepFailed) {
        record("failed", error.message, error.missingPermission);
      } else {
        record("failed", error instanceof Error ? error.message : String(error));
      }
      return undefined;
    }
  }
  const skip = (name: string, why: string) => {
    const entry: CanaryStep = { step: name, status: "skipped", ms: 0, detail: why };
    steps.push(entry);
    input.onStep?.(entry);
  };

  await step("credentials", null, async () => {
    try {
      const me = await cam.callerIdentity();
      return {
        value: me,
        detail: `STS: signed in as uin ${me.userId} of account ${me.accountId} (${me.type}, ${me.arn})`,
      };
    } catch (error) {
      // A refusal for lack of permission still proves the signature: the credentials work, whose they are is unknown.
      if (!isCamError(error) || !AUTHORIZATION_REFUSED.includes(error.code)) throw error;
      return {
        value: undefined,
        detail:
          `the credentials work, but STS answered ${error.code}: ` +
          `add "${policyLine("GetCallerIdentity")}" to see whose they are (the rotator then skips the owner-account check)`,
      };
    }
  });
  await step("ListUsers", "ListUsers", async () => {
    const users = await cam.listUsers();
    const canary = users.find((user) => user.uin === uin);
    if (!canary) throw new StepFailed(`ListUsers (${users.length} users) does not return uin ${uin}`);
    return { value: canary, detail: `${users.length} users; the canary is "${canary.name}"` };
  });
  await step("GetUserAppId", "GetUserAppId", async () => {
    const me = await cam.getUserAppId();
    return { value: me, detail: `uin ${me.uin}, owner ${me.ownerUin}, appId ${me.appId}` };
  });
  const keys = await step("ListAccessKeys", "ListAccessKeys", async () => {
    const listed = await cam.listAccessKeys(uin);
    if (listed.length >= 2) {
      throw new StepFailed(
        `the canary already holds two keys (${listed.map((key) => key.accessKeyId).join(", ")}); delete one, it must be disposable`
      );
    }
    return { value: listed, detail: `${listed.length} key${listed.length === 1 ? "" : "s"}: room for one more` };
  });
  const CREATED_STEPS = ["authenticate", "GetSecurityLastUsed", "UpdateAccessKey", "DeleteAccessKey"];
  if (keys === undefined) {
    skip("CreateAccessKey", "needs ListAccessKeys to show room for a key");
    for (const name of CREATED_STEPS) skip(name, "needs a new key");
    return finish(report);
  }
  let created: CamCredentials | undefined;
  let createdAt = 0;
  await step("CreateAccessKey", "CreateAccessKey", async () => {
    const made = await cam.createAccessKey(uin);
    created = { secretId: made.accessKeyId, secretKey: made.secretAccessKey };
    createdAt = clock();
    return { value: undefined, detail: `new key ${made.accessKeyId}` };
  });
  if (created === undefined) {
    for (const name of CREATED_STEPS) skip(name, "needs a new key");
    return finish(report);
  }
  const newKey = created;
  await step("authenticate", "GetCallerIdentity", async () => {
    const proof = await proveKey(cam, newKey, {
      timeoutMs: input.verifyTimeoutMs,
      clock,
      sleep: input.sleep ?? defaultSleep,
    });
    return { value: proof, detail: describeProof(proof, uin, createdAt, clock, report) };
  });
  await step("GetSecurityLastUsed", "GetSecurityLastUsed", async () => {
    const rows = await cam.getSecurityLastUsed([newKey.secretId]);
    const row = rows.find((candidate) => candidate.secretId === newKey.secretId);
    // Reported under CAM's field names; the day prints back as the YYYY-MM-DD CAM sent.
    const lastUsedDate = row?.lastUsedDay == null ? null : new Date(row.lastUsedDay).toISOString().slice(0, 10);
    const lastSecretUsedDate = row?.lastUsedAt ?? null;
    report.lastUse = { reported: row !== undefined, lastUsedDate, lastSecretUsedDate };
    const detail =
      row === undefined
        ? "no row for the new key (CAM reports nothing for it yet)"
        : `new key: LastUsedDate ${lastUsedDate ?? "null"}, LastSecretUsedDate ${
            lastSecretUsedDate === null
              ? "null"
              : `${new Date(lastSecretUsedDate).toISOString()} (${Math.round((clock() - lastSecretUsedDate) / 1000)} s ago)`
          }`;
    return { value: undefined, detail: `${detail}; it signed its proof just before` };
  });
  const deactivated = await step("UpdateAccessKey", "UpdateAccessKey", async () => {
    await cam.updateAccessKey(uin, newKey.secretId, "Inactive");
    return { value: true, detail: `new key ${newKey.secretId} set Inactive` };
  });
  await step(
    "DeleteAccessKey",
    "DeleteAccessKey",
    async () => {
      await cam.deleteAccessKey(uin, newKey.secretId);
      return { value: true, detail: `new key ${newKey.secretId} deleted` };
    },
    () => `new key ${newKey.secretId} is still there${deactivated ? " (Inactive)" : ""}: delete it by hand`
  );
  return finish(report);
}

function describeProof(
  proof: KeyProof,
  uin: number,
  createdAt: number,
  clock: () => number,
  report: CanaryReport
): string {
  const after = `${clock() - createdAt} ms after CreateAccessKey, ${proof.attempts} attempt${proof.attempts === 1 ? "" : "s"}`;
  switch (proof.kind) {
    case "identified": {
      const mismatch = identityMismatch(proof.identity, uin, null);
      if (mismatch !== null) throw new StepFailed(`the new key is not the canary's: ${mismatch}`);
      report.authenticatedAfterMs = clock() - createdAt;
      return `authenticated as uin ${proof.identity.userId} of account ${proof.identity.accountId}, ${after}`;
    }
    case "accepted":
      report.authenticatedAfterMs = clock() - createdAt;
      return `authenticated, ${after} (STS answered ${proof.code}: the signature was accepted; identity not shown)`;
    case "clockSkew":
      throw new StepFailed(`this host's clock is wrong: CAM answered ${proof.problem}; fix the clock (NTP)`);
    case "neverValid":
      throw new StepFailed(
        `the new key never authenticated in ${after}: ${proof.problem}; raise rotation.verifyTimeout`
      );
    case "unavailable":
      throw new StepFailed(`could not prove the new key, CAM unavailable: ${proof.problem}`);
    default: {
      const unreachable: never = proof;
      return String(unreachable);
    }
  }
}

function finish(report: CanaryReport): CanaryReport {
  report.ok = report.steps.every((entry) => entry.status === "ok");
  return report;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
