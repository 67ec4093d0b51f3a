// The Vault port over AWS Secrets Manager, using its own staging labels: AWSPENDING for a staged key,
// AWSCURRENT for the promoted one, AWSPREVIOUS moved by Secrets Manager itself. The version id is the caller's
// idempotency token. Never calls RotateSecret: the rotator is the rotation function.
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClientConfig,
} from "@aws-sdk/client-secrets-manager";
import { VaultQuotaDeferral, type VaultQuotaGate } from "../cam/limiter/vault-quota-gate.js";
import { awsErrorCode, vaultErrorFromAws } from "./aws-errors.js";
import { listAwsMetadata } from "./aws-metadata.js";
import { paceVaultCalls } from "./aws-quota.js";
import { awsVaultIdentity } from "./identity.js";
import { CURRENT_KEY_TAG, ROTATED_AT_TAG } from "./metadata-tags.js";
import { hasLabel, PLACEHOLDER_VALUE, readStages, realHolder, STAGES, type SecretState } from "./aws-staging.js";
import { keyIdOf, parsePayload, payloadProblem, samePayload, serializePayload, timesOf } from "./payload.js";
import {
  VaultError,
  type PromoteHint,
  type SecretPayload,
  type SecretRef,
  type UnreadableVersion,
  type Vault,
  type VaultDescription,
  type VaultStage,
  type VaultVersion,
} from "./port.js";
import { DEFAULT_NAME_TEMPLATE, nameTemplateProblem, renderSecretName } from "./secret-name.js";
import { placeholderToken, tokenProblem } from "./tokens.js";

// The SDK warns on every Node 20 start about its releases after January 2027. The lock file pins this version,
// so the warning only clutters worker logs and command output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export interface AwsSecretsManagerVaultOptions {
  region: string;
  /** For moto or LocalStack; the regional AWS endpoint when absent. */
  endpoint?: string;
  /** KMS key for new secrets; Secrets Manager's default key when absent. */
  kmsKeyId?: string;
  /** Default "tencentcloud/cam/{account}/{uin}". Must contain both placeholders. */
  nameTemplate?: string;
  /** The standard AWS credential chain when absent. */
  credentials?: SecretsManagerClientConfig["credentials"];
  /** A client to use instead of building one; it is not destroyed by close(). */
  client?: SecretsManagerClient;
  /** SDK attempts per call, retries of throttling and network errors included. Default 3. */
  maxAttempts?: number;
  /** A call with no answer after this long fails as transient. Default 10000. */
  requestTimeoutMs?: number;
  /** Paces the writes and tags pools (aws-quota.ts); a slot beyond its bound rejects with VaultQuotaDeferral. */
  quota?: VaultQuotaGate;
}

export const MANAGED_BY_TAG = { Key: "managed-by", Value: "cam-rotator" } as const;

type Attempt<T> = { ok: true; value: T } | { ok: false; code: string; error: VaultError };

interface Inspected {
  name: string;
  state: SecretState | undefined;
}

export function createAwsSecretsManagerVault(options: AwsSecretsManagerVaultOptions): Vault {
  const template = options.nameTemplate ?? DEFAULT_NAME_TEMPLATE;
  const templateProblem = nameTemplateProblem(template);
  if (templateProblem) throw new VaultError("permanent", "configure", template, templateProblem);
  const requestTimeout = options.requestTimeoutMs ?? 10_000;
  const client =
    options.client ??
    new SecretsManagerClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: options.maxAttempts ?? 3,
      // Sockets are kept alive between calls where the far end allows it (the SDK's default, stated so it stays):
      // one connection served 330 calls through a keep-alive proxy; moto answers `Connection: close`, so a new one each.
      requestHandler: {
        connectionTimeout: requestTimeout,
        requestTimeout,
        throwOnRequestTimeout: true,
        httpAgent: { keepAlive: true },
        httpsAgent: { keepAlive: true },
      },
    });
  if (options.quota) paceVaultCalls(client, options.quota);

  function nameOf(operation: string, ref: SecretRef): string {
    try {
      return renderSecretName(template, ref);
    } catch (error) {
      throw new VaultError("permanent", operation, `${ref.account}/${ref.uin}`, (error as Error).message);
    }
  }

  async function attempt<T>(operation: string, api: string, name: string, call: () => Promise<T>): Promise<Attempt<T>> {
    try {
      return { ok: true, value: await call() };
    } catch (error) {
      // The quota gate's deferral is no vault failure: the job waits for its slot in the queue.
      if (error instanceof VaultQuotaDeferral) throw error;
      return { ok: false, code: awsErrorCode(error), error: vaultErrorFromAws(operation, api, name, error) };
    }
  }

  async function must<T>(operation: string, api: string, name: string, call: () => Promise<T>): Promise<T> {
    const result = await attempt(operation, api, name, call);
    if (!result.ok) throw result.error;
    return result.value;
  }

  /** DescribeSecret, plus the checks every operation needs: ours, for this user, not being deleted. */
  async function inspect(operation: string, ref: SecretRef): Promise<Inspected> {
    const name = nameOf(operation, ref);
    const described = await attempt(operation, "DescribeSecret", name, () =>
      client.send(new DescribeSecretCommand({ SecretId: name }))
    );
    if (!described.ok) {
      if (described.code === "ResourceNotFoundException") return { name, state: undefined };
      throw described.error;
    }
    const secret = described.value;
    const tags = new Map((secret.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
    const fail = (detail: string) => new VaultError("permanent", operation, name, detail);
    if (tags.get(MANAGED_BY_TAG.Key) !== MANAGED_BY_TAG.Value)
      throw fail("the secret exists but is not ours: it lacks tag managed-by=cam-rotator");
    if (tags.get("cam-account") !== ref.account || tags.get("cam-uin") !== String(ref.uin))
      throw fail(
        `the secret is tagged for cam-account "${tags.get("cam-account")}" cam-uin ${tags.get("cam-uin")}, ` +
          `not account "${ref.account}" uin ${ref.uin}`
      );
    if (secret.DeletedDate)
      throw fail("the secret is scheduled for deletion; restore it (RestoreSecret) or remove it for good first");
    const stages = readStages(name, secret.VersionIdsToStages);
    if (!stages.ok) throw fail(stages.problem);
    return { name, state: stages.state };
  }

  /** The payload of a labelled version, read by id and label together (a stage-less read is stale on moto). */
  async function readLabelled(
    operation: string,
    name: string,
    versionId: string,
    stage: VaultStage
  ): Promise<SecretPayload> {
    return payloadOf(operation, name, versionId, await readLabelledText(operation, name, versionId, stage));
  }

  async function readLabelledText(
    operation: string,
    name: string,
    versionId: string,
    stage: VaultStage
  ): Promise<string | undefined> {
    const read = await attempt(operation, "GetSecretValue", name, () =>
      client.send(new GetSecretValueCommand({ SecretId: name, VersionId: versionId, VersionStage: stage }))
    );
    if (!read.ok) {
      // The label moved between DescribeSecret and this read: another writer is active, so try again later.
      if (read.code === "InvalidRequestException" || read.code === "ResourceNotFoundException")
        throw new VaultError("transient", operation, name, `version ${versionId} lost ${stage} while being read`);
      throw read.error;
    }
    return read.value.SecretString;
  }

  function payloadOf(operation: string, name: string, versionId: string, text: string | undefined): SecretPayload {
    const parsed = parsePayload(text ?? "");
    if (!parsed.ok)
      throw new VaultError(
        "permanent",
        operation,
        name,
        `version ${versionId} does not hold a secret document (${parsed.problem})`
      );
    return parsed.value;
  }

  /**
   * Any version with this id, labelled or not. Read by VersionId alone: an unlabelled version has no stage to
   * name, and a VersionId pins one exact version, so moto's stale default-version read cannot happen here.
   */
  async function findVersion(
    operation: string,
    name: string,
    versionId: string
  ): Promise<{ text: string | undefined } | undefined> {
    const read = await attempt(operation, "GetSecretValue", name, () =>
      client.send(new GetSecretValueCommand({ SecretId: name, VersionId: versionId }))
    );
    if (read.ok) return { text: read.value.SecretString };
    if (read.code === "ResourceNotFoundException") return undefined;
    throw read.error;
  }

  async function createSecret(operation: string, ref: SecretRef, name: string): Promise<SecretState> {
    const placeholderId = placeholderToken(name);
    const created = await attempt(operation, "CreateSecret", name, () =>
      client.send(
        new CreateSecretCommand({
          Name: name,
          ClientRequestToken: placeholderId,
          SecretString: PLACEHOLDER_VALUE,
          Description: `CAM access key of account ${ref.account} user ${ref.uin}, rotated by cam-rotator`,
          ...(options.kmsKeyId ? { KmsKeyId: options.kmsKeyId } : {}),
          Tags: [
            MANAGED_BY_TAG,
            { Key: "cam-account", Value: ref.account },
            { Key: "cam-uin", Value: String(ref.uin) },
          ],
        })
      )
    );
    if (created.ok) {
      const stages = readStages(name, { [placeholderId]: ["AWSCURRENT"] });
      if (stages.ok) return stages.state;
    } else if (created.code !== "ResourceExistsException") {
      throw created.error;
    }
    // Another worker created it first (or a retry of ours did): read it back, which also checks it is ours.
    const again = await inspect(operation, ref);
    if (!again.state)
      throw new VaultError("transient", operation, name, "the secret vanished right after CreateSecret");
    return again.state;
  }

  /** A secret of ours without any version (created by other means): give it the placeholder as current. */
  async function putPlaceholder(operation: string, name: string): Promise<void> {
    await must(operation, "PutSecretValue", name, () =>
      client.send(
        new PutSecretValueCommand({
          SecretId: name,
          ClientRequestToken: placeholderToken(name),
          SecretString: PLACEHOLDER_VALUE,
          VersionStages: ["AWSCURRENT"],
        })
      )
    );
  }

  function updateStage(
    operation: string,
    name: string,
    stage: VaultStage,
    moveTo: string | undefined,
    removeFrom: string | undefined
  ) {
    return must(operation, "UpdateSecretVersionStage", name, () =>
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: stage,
          ...(moveTo ? { MoveToVersionId: moveTo } : {}),
          ...(removeFrom ? { RemoveFromVersionId: removeFrom } : {}),
        })
      )
    );
  }

  /** PutSecretValue as AWSPENDING. AWS refuses a token already used with another value (ResourceExistsException). */
  async function putPending(
    operation: string,
    name: string,
    token: string,
    value: SecretPayload
  ): Promise<Attempt<unknown>> {
    const put = await attempt(operation, "PutSecretValue", name, () =>
      client.send(
        new PutSecretValueCommand({
          SecretId: name,
          ClientRequestToken: token,
          SecretString: serializePayload(value),
          VersionStages: ["AWSPENDING"],
        })
      )
    );
    if (put.ok || put.code !== "ResourceExistsException") return put;
    return {
      ...put,
      error: new VaultError(
        "conflict",
        operation,
        name,
        `version ${token} was written concurrently with a different value`
      ),
    };
  }

  /**
   * The two label moves on the caller's view, without reading the secret: current on `seenCurrent` (the
   * placeholder when none), pending on `versionId`. Each names the version it takes a label from, so AWS refuses
   * it if the view is stale; then false, and the caller looks for itself. A crash between the moves leaves both
   * labels on `versionId`, which the careful path finishes.
   */
  async function moveLabelsAsSeen(
    operation: string,
    name: string,
    versionId: string,
    seenCurrent: string | undefined
  ): Promise<boolean> {
    const from = seenCurrent ?? placeholderToken(name);
    const moves: Array<[VaultStage, string | undefined, string]> = [
      ["AWSCURRENT", versionId, from],
      ["AWSPENDING", undefined, versionId],
    ];
    for (const [stage, moveTo, removeFrom] of from === versionId ? moves.slice(1) : moves) {
      const moved = await attempt(operation, "UpdateSecretVersionStage", name, () =>
        client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: name,
            VersionStage: stage,
            ...(moveTo ? { MoveToVersionId: moveTo } : {}),
            RemoveFromVersionId: removeFrom,
          })
        )
      );
      if (moved.ok) continue;
      if (moved.error.kind === "transient") throw moved.error;
      return false;
    }
    return true;
  }

  /** The label moves after reading the secret (and checking it is ours): the path without a view, or a stale one. */
  async function moveLabels(operation: string, ref: SecretRef, versionId: string): Promise<void> {
    const { name, state } = await inspect(operation, ref);
    const fail = (detail: string) => new VaultError("permanent", operation, name, detail);
    if (!state) throw fail(`the secret does not exist, so version ${versionId} cannot be promoted`);
    if (!state.versions.has(versionId) && !(await findVersion(operation, name, versionId)))
      throw fail(`no version ${versionId}`);
    const current = state.holders.AWSCURRENT;
    // AWS moves AWSPREVIOUS to the old current by itself.
    if (current !== versionId) await updateStage(operation, name, "AWSCURRENT", versionId, current);
    // A crash between the two calls leaves current+pending on one version; promoting again finishes the job.
    if (hasLabel(state, versionId, "AWSPENDING"))
      await updateStage(operation, name, "AWSPENDING", undefined, versionId);
  }

  /**
   * The planning metadata (metadata-tags.ts) of the version just made current, so sweeps plan from tags. A caller
   * without it has the version read for it. Only the promotion writes them, and after its label moves.
   */
  async function tagMetadata(operation: string, name: string, versionId: string, hint: PromoteHint): Promise<void> {
    let { accessKeyId, rotatedAt } = hint;
    if (accessKeyId === undefined || rotatedAt === undefined) {
      const stored = await readLabelled(operation, name, versionId, "AWSCURRENT");
      accessKeyId ??= stored.SecretId;
      const stamped = Date.parse(stored.RotatedAt);
      rotatedAt ??= Number.isFinite(stamped) ? stamped : Date.now();
    }
    await must(operation, "TagResource", name, () =>
      client.send(
        new TagResourceCommand({
          SecretId: name,
          Tags: [
            { Key: CURRENT_KEY_TAG, Value: accessKeyId },
            { Key: ROTATED_AT_TAG, Value: String(rotatedAt) },
          ],
        })
      )
    );
  }

  return {
    kind: "aws-secrets-manager",

    identity: (ref) =>
      awsVaultIdentity({ region: options.region, endpoint: options.endpoint, secretName: nameOf("identity", ref) }),

    async readCurrent(ref) {
      const { name, state } = await inspect("readCurrent", ref);
      const versionId = state && realHolder(state, "AWSCURRENT");
      if (!versionId) return null;
      return { versionId, value: await readLabelled("readCurrent", name, versionId, "AWSCURRENT") };
    },

    async readVersion(ref, versionId) {
      const { name, state } = await inspect("readVersion", ref);
      if (!state || versionId === state.placeholderId || tokenProblem(versionId)) return null;
      const stage = STAGES.find((label) => hasLabel(state, versionId, label));
      if (stage) return readLabelled("readVersion", name, versionId, stage);
      const found = await findVersion("readVersion", name, versionId);
      return found ? payloadOf("readVersion", name, versionId, found.text) : null;
    },

    async describe(ref, options = {}) {
      const { name, state } = await inspect("describe", ref);
      if (!state) return { exists: false };
      const keyIds = new Map<string, string>();
      const unreadable: UnreadableVersion[] = [];
      let currentTimes: VaultDescription["currentTimes"];
      const versionFor = async (stage: VaultStage): Promise<VaultVersion | undefined> => {
        const versionId = realHolder(state, stage);
        if (!versionId) return undefined;
        // The value is read only to learn which access key it holds (and, for the current one, when); it goes no
        // further than this block. Only the id counts, so a version in another shape (written by hand) still names its key.
        let accessKeyId = keyIds.get(versionId);
        if (accessKeyId === undefined) {
          const text = (await readLabelledText("describe", name, versionId, stage)) ?? "";
          const read = keyIdOf(text);
          if (!read.ok) {
            // Only the current key id matters for rotation: an older version we cannot read is reported, not fatal.
            if (stage === "AWSPREVIOUS") {
              unreadable.push({ stage, versionId, problem: read.problem });
              return undefined;
            }
            throw new VaultError(
              "permanent",
              "describe",
              name,
              `version ${versionId} does not hold a secret document (${read.problem})`
            );
          }
          accessKeyId = read.value;
          if (stage === "AWSCURRENT" && options?.currentTimes) currentTimes = timesOf(text);
        }
        keyIds.set(versionId, accessKeyId);
        return { versionId, accessKeyId };
      };
      const current = await versionFor("AWSCURRENT");
      const pending = await versionFor("AWSPENDING");
      const previous = await versionFor("AWSPREVIOUS");
      return {
        exists: true,
        ...(current && { current }),
        ...(pending && { pending }),
        ...(previous && { previous }),
        ...(unreadable.length > 0 && { unreadable }),
        ...(currentTimes && { currentTimes }),
      };
    },

    async stagePending(ref, token, value, hint) {
      const operation = "stagePending";
      const name = nameOf(operation, ref);
      const problem = tokenProblem(token) ?? payloadProblem(ref, value);
      if (problem) throw new VaultError("permanent", operation, name, problem);
      if (token === placeholderToken(name))
        throw new VaultError("permanent", operation, name, `token ${token} is reserved`);
      // A secret seen with a current version already has versions, so the new one cannot take AWSCURRENT by
      // itself (aws-staging.ts) and the write needs no look first. Anything unexpected: the careful path below.
      if (hint?.seen?.current) {
        const put = await putPending(operation, name, token, value);
        if (put.ok) return { versionId: token };
        if (put.code === "ResourceExistsException" || put.error.kind === "transient") throw put.error;
      }
      const { state } = await inspect(operation, ref);
      if (!state) await createSecret(operation, ref, name);
      else if (state.versions.size === 0) await putPlaceholder(operation, name);

      // moto overwrites a version whose token comes again with another value, AWS refuses: check first, both ways.
      const existing = await findVersion(operation, name, token);
      if (existing) {
        const parsed = parsePayload(existing.text ?? "");
        if (parsed.ok && samePayload(parsed.value, value)) return { versionId: token };
        throw new VaultError(
          "conflict",
          operation,
          name,
          `version ${token} already holds a different value; a new value needs a new token`
        );
      }
      const put = await putPending(operation, name, token, value);
      if (!put.ok) throw put.error;
      return { versionId: token };
    },

    async promote(ref, versionId, hint = {}) {
      const operation = "promote";
      const name = nameOf(operation, ref);
      if (tokenProblem(versionId) || versionId === placeholderToken(name))
        throw new VaultError("permanent", operation, name, `"${versionId}" is not a version id`);
      const moved = hint.seen && (await moveLabelsAsSeen(operation, name, versionId, hint.seen.current?.versionId));
      if (!moved) await moveLabels(operation, ref, versionId);
      await tagMetadata(operation, name, versionId, hint);
    },

    async discardPending(ref, versionId) {
      const { name, state } = await inspect("discardPending", ref);
      if (!state || !hasLabel(state, versionId, "AWSPENDING")) return;
      await updateStage("discardPending", name, "AWSPENDING", undefined, versionId);
    },

    listMetadata: (account, pageToken) => listAwsMetadata(client, template, MANAGED_BY_TAG, account, pageToken),

    async close() {
      if (!options.client) client.destroy();
    },
  };
}
