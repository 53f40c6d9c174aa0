import type { Reporter, TestModule, TestSuite, Vitest } from "vitest/node";

/**
 * Ends the run with one line per missing system program ("skipped 9 suites: redis-server not
 * found (apt-get install redis-server)"), counting the suites that `describeWith` skipped for
 * it, instead of a wall of skipped tests.
 */
export class MissingProgramsReporter implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped = new Map<string, number>();
    for (const module of testModules) {
      for (const suite of module.children.allSuites()) {
        const missing = outermostMissing(suite);
        if (missing !== undefined) skipped.set(missing, (skipped.get(missing) ?? 0) + 1);
      }
    }
    for (const [missing, suites] of [...skipped].sort(([a], [b]) => a.localeCompare(b))) {
      const line = `skipped ${suites} suite${suites === 1 ? "" : "s"}: ${missing}`;
      if (this.vitest) this.vitest.logger.log(line);
      else console.log(line);
    }
  }
}

/** What the suite misses, if `describeWith` skipped it (its nested suites inherit the mark). */
function outermostMissing(suite: TestSuite): string | undefined {
  const missing = suite.meta().missingProgram;
  if (missing === undefined) return undefined;
  const parent = suite.parent;
  return parent.type === "suite" && parent.meta().missingProgram === missing ? undefined : missing;
}
