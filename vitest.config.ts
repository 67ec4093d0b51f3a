import { defineConfig } from "vitest/config";

// Tests that measure wall-clock spacing across processes (the limiter's rolling-window bound, one sweep per
// cron slot, two accounts rotating side by side with no RequestLimitExceeded) run in a second group, one file at a time, after everything else: on two cores the rest of the
// suite would otherwise add scheduling jitter that no production host of the rotator sees.
const TIMING = ["test/limiter/**/*.test.ts", "test/daemon/two-workers.test.ts", "test/jobs/account-turns.test.ts"];

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "main",
          include: ["test/**/*.test.ts"],
          exclude: TIMING,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: "timing", include: TIMING, maxWorkers: 1, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
