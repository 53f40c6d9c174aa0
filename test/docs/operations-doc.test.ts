import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { testMetrics } from "../metrics/test-metrics.js";

describe("docs/operations.md", () => {
  it("documents every Postoffice metric the server exposes", async () => {
    const doc = await readFile(new URL("../../docs/operations.md", import.meta.url), "utf8");
    const names = (await testMetrics().registry.getMetricsAsJSON()).map((metric) => metric.name);
    expect(names.length).toBeGreaterThan(5);
    expect(names.filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });
});
