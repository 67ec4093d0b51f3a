// The chaos suite: many rotations by several worker processes while workers are SIGKILLed and restarted,
// the simulator injects faults, moto restarts (its secrets carried over, like Secrets Manager) and Redis is
// killed and restarted from its AOF. After each iteration the shared invariant checker runs; at the end every
// Redis key, every worker's output and the event stream are scanned for every secret the simulator issued.
//   npm run chaos -- [--iterations 50] [--json] [--seed N] [--workers 3] [--users 12]
// Progress goes to stderr. The last line of stdout is
//   {"iterations":N,"kills":K,"faults":F,"motoRestarts":M,"violations":V,...}
// and the exit code is 1 when V > 0.
import { parseArgs } from "node:util";
import { ensureFreshBuild } from "../test/build-freshness.js";
import { runChaos } from "./suite.js";

const { values: flags } = parseArgs({
  options: {
    iterations: { type: "string", default: "50" },
    json: { type: "boolean", default: false },
    seed: { type: "string" },
    workers: { type: "string", default: "3" },
    users: { type: "string", default: "12" },
  },
});
const whole = (name: string, raw: string | undefined, min: number): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    process.stderr.write(
      `chaos: --${name}: expected a whole number >= ${min}, got ${JSON.stringify(raw)}\n` +
        "usage: npm run chaos -- [--iterations N] [--json] [--seed N] [--workers N] [--users N]\n"
    );
    process.exit(2);
  }
  return value;
};
const iterations = whole("iterations", flags.iterations, 1);
const workers = whole("workers", flags.workers, 2);
const usersPerIteration = whole("users", flags.users, 2);
const seed = flags.seed === undefined ? Date.now() % 2 ** 31 : whole("seed", flags.seed, 0);

ensureFreshBuild();
const report = await runChaos({
  iterations,
  workers,
  usersPerIteration,
  createLimit: 20,
  seed,
  log: (line) => process.stderr.write(`${line}\n`),
});
if (!flags.json) {
  for (const violation of report.violationList) process.stdout.write(`violation: ${violation}\n`);
}
const { violationList: _list, ...summary } = report;
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exit(report.violations === 0 ? 0 : 1);
