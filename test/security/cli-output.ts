// The admin commands an operator would run after a chaos iteration or a benchmark, through the real binary
// against the same Redis and vault; their stdout and stderr go into the secret scan.
import { runBinary, STACK_FRAME } from "./binary.js";

export interface CliCapture {
  outputs: string[];
  /** Exit code per command line, to prove the commands really ran. */
  codes: Record<string, number | null>;
}

export async function adminOutputs(
  configPath: string,
  env: NodeJS.ProcessEnv,
  account: string,
  uin: number
): Promise<CliCapture> {
  const commands = [
    ["status", "--json"],
    ["status"],
    ["events", "--json", "--count", "500"],
    ["events", "--count", "500"],
    ["flagged", "--json"],
    ["vault", "show", "--account", account, "--uin", String(uin), "--json"],
    ["vault", "show", "--account", account, "--uin", String(uin)],
    ["sweep", "--account", account, "--dry-run", "--json"],
  ];
  const outputs: string[] = [];
  const codes: Record<string, number | null> = {};
  for (const args of commands) {
    const run = await runBinary([...args, "--config", configPath], { env, timeoutMs: 30_000 });
    outputs.push(run.stdout, run.stderr);
    codes[args.join(" ")] = run.code;
    if (STACK_FRAME.test(run.stderr))
      throw new Error(`cam-rotator ${args.join(" ")} printed a stack trace:\n${run.stderr}`);
  }
  return { outputs, codes };
}
