// What the in-process rig (harness.ts) and the worker child process (worker-process.ts) share; no vitest import
// here, because the child runs outside vitest.
import type { CamApi, NewAccessKey } from "../../src/cam/types.js";
import type { EngineTuning } from "../../src/jobs/engine/seams.js";

export const ACCOUNT = "main";
export const OWNER_UIN = 100000000001;
/** The admin sub-user whose key the rotator signs with. */
export const ROTATOR_UIN = 100000000002;
export const USER_UIN = 100000000011;
export const TEST_AWS_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
export const CREDENTIAL_ENV = { secretIdEnv: "CAM_TEST_MAIN_SECRET_ID", secretKeyEnv: "CAM_TEST_MAIN_SECRET_KEY" };

/** Short everything, so a test runs in seconds; crash tests need a short lock to recover a killed worker. */
/** The record key (CAM_ROTATOR_RECORD_KEY) every test engine and worker signs with; a test value, not a secret. */
export const TEST_RECORD_KEY = Buffer.alloc(32, 0x5a);

export const TEST_TUNING: EngineTuning = {
  backoff: { baseMs: 150, maxMs: 1_000 },
  lockDurationMs: 2_000,
  stalledIntervalMs: 500,
};

/** The CAM client, telling the test side about every key CreateAccessKey hands out (for the secret scan). */
export function recordingCam(cam: CamApi, onCreated: (key: NewAccessKey) => void): CamApi {
  return {
    ...cam,
    account: cam.account,
    async createAccessKey(targetUin) {
      const made = await cam.createAccessKey(targetUin);
      onCreated(made);
      return made;
    },
  };
}
