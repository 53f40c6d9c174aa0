import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Tests start real servers on port 0; a small machine runs two files at a time comfortably.
    maxWorkers: 2,
  },
});
