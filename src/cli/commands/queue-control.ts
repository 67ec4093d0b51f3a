// `cam-rotator retry-failed`, `pause` and `resume`: queue control for operators.
import type { Command } from "commander";
import type { RotationEngine } from "../../jobs/engine/face.js";
import { addConfigOption, addJsonOption, type ConfigFlag, type JsonFlag } from "../arguments.js";
import { EXIT } from "../exit-codes.js";
import { processOutput, type Output } from "../output.js";
import { runAction } from "../run-action.js";

interface ControlCommand {
  name: "retry-failed" | "pause" | "resume";
  description: string;
  run(engine: RotationEngine): Promise<{ json: Record<string, unknown>; text: string }>;
}

const COMMANDS: ControlCommand[] = [
  {
    name: "retry-failed",
    description: "move every failed job back to the queue for another attempt",
    async run(engine) {
      const retried = await engine.retryFailed();
      return {
        json: { retried },
        text: retried === 0 ? "no failed jobs" : `retried ${retried} failed job${retried === 1 ? "" : "s"}`,
      };
    },
  },
  {
    name: "pause",
    description: "pause the queue for every worker: active jobs finish, no new job starts, schedules still enqueue",
    async run(engine) {
      await engine.pause();
      return { json: { paused: true }, text: "queue paused; `cam-rotator resume` resumes it" };
    },
  },
  {
    name: "resume",
    description: "resume a paused queue",
    async run(engine) {
      await engine.resume();
      return { json: { paused: false }, text: "queue resumed" };
    },
  },
];

export function registerQueueControl(program: Command, out: Output = processOutput): void {
  for (const command of COMMANDS) {
    addJsonOption(addConfigOption(program.command(command.name).description(command.description))).action(
      runAction(async (flags: ConfigFlag & JsonFlag) => {
        const { auditAction, loadConfig, withRuntime } = await import("../context.js");
        const config = loadConfig(flags.config);
        return withRuntime(config, async ({ engine }) => {
          const result = await command.run(engine);
          await auditAction(engine, { action: command.name, detail: JSON.stringify(result.json) });
          if (flags.json) out.json(result.json);
          else out.line(result.text);
          return EXIT.ok;
        });
      })
    );
  }
}
