import { defineConfig } from "vitest/config";
import { MissingProgramsReporter } from "./test/support/missing-programs-reporter.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Tests start real servers on port 0; a small machine runs two files at a time comfortably.
    maxWorkers: 2,
    // The suites that need a program outside npm (redis-server, chromium, ...) skip without
    // it; the last reporter sums them up in one line per program (test/support/system-programs.ts).
    reporters: ["default", new MissingProgramsReporter()],
  },
});
