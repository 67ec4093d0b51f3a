// The CAM simulator in a process of its own for the benchmark, so that its single event loop serves only CAM
// requests (it stands for Tencent's servers, which do not share the rotator's CPU with the driver). Every
// SecretAccessKey it issues is appended to the file named by the first argument, for the secret scan.
//   node --import tsx bench/simulator-process.ts SECRETS_FILE
// Prints {"listening":"http://127.0.0.1:PORT"} when ready; SIGTERM stops it.
import { appendFileSync } from "node:fs";
import { startCamSimulator } from "../src/cam/simulator/index.js";
import { tapIssuedSecrets } from "./issued-secrets.js";

const secretsFile = process.argv[2];
if (!secretsFile) throw new Error("usage: simulator-process.ts SECRETS_FILE");
tapIssuedSecrets((secret) => appendFileSync(secretsFile, `${secret}\n`));
const sim = await startCamSimulator({ seed: { accounts: [] } });
process.once("SIGTERM", () => void sim.close().then(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ listening: sim.url })}\n`);
