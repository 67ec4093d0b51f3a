// `vault adopt` for AWS Secrets Manager (issue 12 part 2): secrets under the name template that someone made by
// hand, before the rotator, lack the managed-by tag, and every rotation refuses them ("not ours"). Adopting one
// tags it as the rotator's, and only when its current value names a key that CAM lists for that very user: a
// secret holding someone else's key, or no key, is refused. It never runs by itself: an operator asks for it.
// The value is read only for its SecretId; nothing else of it leaves this file.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import type { AccessKey } from "../cam/types.js";
import { awsErrorCode } from "./aws-errors.js";
import { MANAGED_BY_TAG } from "./aws-secrets-manager.js";
import { keyIdOf } from "./payload.js";
import type { SecretRef } from "./port.js";
import { DEFAULT_NAME_TEMPLATE, renderSecretName } from "./secret-name.js";

export interface AdoptionTarget {
  region: string;
  endpoint?: string;
  nameTemplate?: string;
}

export type AdoptionDecision =
  { action: "adopt"; keyId: string } | { action: "skip"; why: string } | { action: "refuse"; why: string };

export type AdoptionEntry = { uin: number; secret: string } & AdoptionDecision;

export interface Adopter {
  /** What adopting this user's secret would do; reads only, changes nothing. */
  plan(ref: SecretRef, listKeys: () => Promise<AccessKey[]>): Promise<AdoptionEntry>;
  /** Tags the secret as the rotator's (entries the plan said to adopt). */
  adopt(ref: SecretRef): Promise<void>;
  close(): void;
}

export function createAdopter(
  target: AdoptionTarget,
  client = new SecretsManagerClient({
    region: target.region,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
  })
): Adopter {
  const nameOf = (ref: SecretRef) => renderSecretName(target.nameTemplate ?? DEFAULT_NAME_TEMPLATE, ref);
  return {
    async plan(ref, listKeys) {
      const secret = nameOf(ref);
      const entry = (decision: AdoptionDecision): AdoptionEntry => ({ uin: ref.uin, secret, ...decision });
      let described;
      try {
        described = await client.send(new DescribeSecretCommand({ SecretId: secret }));
      } catch (error) {
        if (awsErrorCode(error) === "ResourceNotFoundException")
          return entry({ action: "skip", why: "no secret under this name" });
        throw error;
      }
      const tags = new Map((described.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
      if (tags.get(MANAGED_BY_TAG.Key) === MANAGED_BY_TAG.Value)
        return entry({ action: "skip", why: "already managed by cam-rotator" });
      if (described.DeletedDate) return entry({ action: "refuse", why: "the secret is scheduled for deletion" });
      let text: string | undefined;
      try {
        text = (await client.send(new GetSecretValueCommand({ SecretId: secret, VersionStage: "AWSCURRENT" })))
          .SecretString;
      } catch (error) {
        if (awsErrorCode(error) === "ResourceNotFoundException")
          return entry({ action: "refuse", why: "the secret has no current version" });
        throw error;
      }
      const keyId = keyIdOf(text ?? "");
      if (!keyId.ok)
        return entry({ action: "refuse", why: `its current value does not name an access key (${keyId.problem})` });
      const key = (await listKeys()).find((candidate) => candidate.accessKeyId === keyId.value);
      if (!key)
        return entry({
          action: "refuse",
          why: `key ${keyId.value} is not a key of uin ${ref.uin} (ListAccessKeys does not list it)`,
        });
      return entry({ action: "adopt", keyId: keyId.value });
    },
    async adopt(ref) {
      await client.send(
        new TagResourceCommand({
          SecretId: nameOf(ref),
          Tags: [
            MANAGED_BY_TAG,
            { Key: "cam-account", Value: ref.account },
            { Key: "cam-uin", Value: String(ref.uin) },
          ],
        })
      );
    },
    close: () => client.destroy(),
  };
}
