// A Secrets Manager client for moto whose AWSPENDING removals (the second label move of a promote, and
// discardPending) answer ThrottlingException while throttles are armed: the fault AWS's 50 writes/s quota causes.
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { TEST_AWS_CREDENTIALS } from "./rig-constants.js";

export interface LabelThrottle {
  client: SecretsManagerClient;
  /** The next `times` AWSPENDING removals are throttled. */
  arm(times: number): void;
  /** Throttles answered so far. */
  readonly answered: number;
}

interface StageInput {
  VersionStage?: string;
  MoveToVersionId?: string;
  RemoveFromVersionId?: string;
}

export function labelThrottledClient(endpoint: string): LabelThrottle {
  const client = new SecretsManagerClient({
    region: "us-east-1",
    endpoint,
    credentials: TEST_AWS_CREDENTIALS,
    maxAttempts: 1,
  });
  let armed = 0;
  let answered = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as StageInput;
      if (
        armed > 0 &&
        context.commandName === "UpdateSecretVersionStageCommand" &&
        input.VersionStage === "AWSPENDING" &&
        input.RemoveFromVersionId !== undefined &&
        input.MoveToVersionId === undefined
      ) {
        armed--;
        answered++;
        throw Object.assign(new Error("Rate exceeded"), {
          name: "ThrottlingException",
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    },
    { step: "initialize", name: "labelThrottle" }
  );
  return {
    client,
    arm(times) {
      armed = times;
    },
    get answered() {
      return answered;
    },
  };
}
