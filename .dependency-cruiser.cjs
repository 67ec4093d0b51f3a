// The layering (issue 14), checked by `npm run lint`:
//   cli  ->  daemon  ->  notify  ->  jobs  ->  { cam, vault, config }        (log.ts: anyone)
//   cli  ->  canary  ->  jobs and below
// A layer may import any layer below it, never one above. notify sits beside and under daemon (the daemon starts
// it; it reads the engine's queue and events). canary is the `canary` command's logic, so only the CLI uses it.
// notify/config.ts is the notify section of the config schema, so it belongs to the config layer.
// cam, vault and config are siblings: they may use each other, and no-circular keeps that honest.
const ABOVE_JOBS = "^src/(daemon|notify|canary|cli|dev)/|^src/cli\\.ts$";
const NOTIFY_SCHEMA = "^src/notify/config\\.ts$";

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A cycle makes both modules one unit that cannot be read, tested or moved apart.",
      from: {},
      to: { circular: true },
    },
    {
      name: "bottom-layer-stays-below-jobs",
      severity: "error",
      comment: "cam, vault, config and log are the bottom layer: they never import jobs or anything above it.",
      from: { path: ["^src/(cam|vault|config)/", "^src/log\\.ts$", NOTIFY_SCHEMA] },
      to: { path: ["^src/jobs/", ABOVE_JOBS], pathNot: NOTIFY_SCHEMA },
    },
    {
      name: "jobs-stays-below-daemon",
      severity: "error",
      comment: "The engine (jobs) never imports the daemon, notify, canary or the CLI.",
      from: { path: "^src/jobs/" },
      to: { path: ABOVE_JOBS, pathNot: NOTIFY_SCHEMA },
    },
    {
      name: "notify-stays-below-daemon",
      severity: "error",
      comment: "notify is started by the daemon; it never imports the daemon, canary or the CLI.",
      from: { path: "^src/notify/" },
      to: { path: "^src/(daemon|canary|cli|dev)/|^src/cli\\.ts$" },
    },
    {
      name: "daemon-stays-below-cli",
      severity: "error",
      comment: "The daemon never imports the CLI or the canary command's logic.",
      from: { path: "^src/daemon/" },
      to: { path: "^src/(canary|cli|dev)/|^src/cli\\.ts$" },
    },
    {
      name: "canary-only-for-cli",
      severity: "error",
      comment: "canary is the canary command's logic: only the CLI imports it, and it imports nothing above jobs.",
      from: { path: "^src/", pathNot: "^src/(cli/|cli\\.ts$|canary/)" },
      to: { path: "^src/canary/" },
    },
    {
      name: "canary-stays-below-cli",
      severity: "error",
      from: { path: "^src/canary/" },
      to: { path: "^src/(daemon|notify|cli|dev)/|^src/cli\\.ts$", pathNot: NOTIFY_SCHEMA },
    },
    {
      name: "simulator-only-for-cam-sim-tests-and-tools",
      severity: "error",
      comment:
        "The CAM simulator is for the cam-sim command, tests, bench, chaos and the demo, never for production code.",
      from: { pathNot: ["^src/cam/simulator/", "^src/cli/commands/cam-sim\\.ts$", "^(test|bench|chaos|scripts)/"] },
      to: { path: "^src/cam/simulator/" },
    },
    {
      name: "src-without-scaffolding",
      severity: "error",
      comment: "Production code never imports test, bench or chaos code (seams there plug into src, not the reverse).",
      from: { path: "^src/" },
      to: { path: "^(test|bench|chaos)/" },
    },
    {
      name: "src-without-dev-services",
      severity: "error",
      comment: "src/dev starts private redis/moto for tests and the demo; production code never imports it.",
      from: { path: "^src/", pathNot: "^src/dev/" },
      to: { path: "^src/dev/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|node_modules)/" },
    // Type-only imports couple layers too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
