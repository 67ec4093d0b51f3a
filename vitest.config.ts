import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: more forks than that only adds contention to timing-sensitive limiter tests.
    pool: "forks",
    maxWorkers: 2,
  },
});
