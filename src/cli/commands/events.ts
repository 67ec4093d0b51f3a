// `cam-rotator events`: the rotation event stream (no secrets in it by construction). --follow keeps printing
// new events until Ctrl-C, which ends it with exit 0.
import { InvalidArgumentError, type Command } from "commander";
import type { RotationEvent } from "../../jobs/engine/face.js";
import { addConfigOption, addJsonOption, type ConfigFlag, type JsonFlag } from "../arguments.js";
import { EXIT } from "../exit-codes.js";
import { processOutput, type Output } from "../output.js";
import { runAction } from "../run-action.js";
import { formatTable, formatTime } from "../table.js";

interface EventFlags extends ConfigFlag, JsonFlag {
  follow?: boolean;
  count: number;
}

const COLUMNS = [
  { header: "TIME", value: (event: RotationEvent) => formatTime(event.time) },
  { header: "ACCOUNT", value: (event: RotationEvent) => event.account },
  { header: "UIN", value: (event: RotationEvent) => event.uin },
  { header: "STEP", value: (event: RotationEvent) => event.step },
  { header: "EVENT", value: (event: RotationEvent) => event.type },
  { header: "KEY", value: (event: RotationEvent) => event.keyId },
  { header: "DETAIL", value: (event: RotationEvent) => event.detail },
];

export function registerEvents(program: Command, out: Output = processOutput): void {
  addJsonOption(
    addConfigOption(
      program
        .command("events")
        .description("show the latest rotation events; --follow keeps printing new ones until Ctrl-C")
        .option("-f, --follow", "keep printing new events as they happen")
        .option("-n, --count <n>", "how many of the latest events to show first", parseCount, 50)
    )
  ).action(
    runAction(async (flags: EventFlags) => {
      const { loadConfig, withRuntime } = await import("../context.js");
      const config = loadConfig(flags.config);
      return withRuntime(config, async ({ engine }) => {
        const latest = await engine.readEvents({ count: flags.count });
        if (!flags.follow) {
          if (flags.json) out.json(latest);
          else out.line(latest.length === 0 ? "no events yet" : formatTable(latest, COLUMNS));
          return EXIT.ok;
        }
        // Following: one JSON object per line, or one aligned row per event (column widths fixed by the header).
        const widths = [20, 12, 13, 10, 20, 36];
        const row = (cells: string[]) =>
          cells
            .map((cell, index) => cell.padEnd(widths[index] ?? 0))
            .join("  ")
            .trimEnd();
        const print = (event: RotationEvent) =>
          out.line(
            flags.json ? JSON.stringify(event) : row(COLUMNS.map((column) => String(column.value(event) ?? "-")))
          );
        if (!flags.json) out.line(row(COLUMNS.map((column) => column.header)));
        latest.forEach(print);
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        try {
          for await (const event of engine.followEvents(stop.signal, latest.at(-1)?.id)) print(event);
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        }
        return EXIT.ok;
      });
    })
  );
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1 || count > 10_000) {
    throw new InvalidArgumentError(`expected a count between 1 and 10000, got ${JSON.stringify(value)}.`);
  }
  return count;
}
