#!/usr/bin/env node
// The cam-rotator binary: the daemon (`worker`), the admin commands and the CAM simulator (`cam-sim`).
// Exit codes are listed in cli/exit-codes.ts and printed by --help.
import { readFileSync } from "node:fs";
import { runCli } from "./cli/program.js";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};
const code = await runCli(process.argv, version);
// Open handles (a Redis reconnect timer, an SDK keep-alive socket) must not keep a finished command alive.
process.exit(code);
