// Runs test/support/worker-process.ts for a rig (crash tests: it dies by SIGKILL at a step boundary) and waits for
// it to exit; its output goes to the rig's captured logs, and every secret it was handed to `secretsFile`.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import type { RotateStep } from "../../src/jobs/queue.js";
import { CREDENTIAL_ENV } from "./rig-constants.js";
import type { Rig } from "./harness.js";

/** `crashAfter`: the worker kills itself with SIGKILL right after that rotate step (worker-process.ts). */
export function runWorkerProcess(
  rig: Rig,
  options: { crashAfter?: RotateStep },
  secretsFile: string,
  timeoutMs = 25_000
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "test/support/worker-process.ts",
      JSON.stringify({ config: rig.rawConfig, secretsFile, ...options }),
    ],
    {
      env: {
        ...process.env,
        [CREDENTIAL_ENV.secretIdEnv]: rig.rootCredentials.secretId,
        [CREDENTIAL_ENV.secretKeyEnv]: rig.rootCredentials.secretKey,
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
      },
      stdio: ["ignore", "pipe", "pipe"],
    }
  );
  child.stdout.on("data", (chunk: Buffer) => rig.logs.push(chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => rig.logs.push(chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`worker process with ${JSON.stringify(options)} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** Adds the secrets a worker process was handed to the rig's set (for the file's secret scan) and removes the file. */
export function collectWorkerSecrets(rig: Rig, secretsFile: string): void {
  if (!existsSync(secretsFile)) return;
  for (const secret of readFileSync(secretsFile, "utf8").split("\n").filter(Boolean)) rig.secrets.add(secret);
  rmSync(secretsFile, { force: true });
}
