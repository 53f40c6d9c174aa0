import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { testMetrics } from "./test-metrics.js";

interface Target {
  expr?: string;
}
interface Panel {
  title?: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: Array<{ query?: unknown; definition?: string }> };
}

const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

async function dashboard(): Promise<Dashboard> {
  const url = new URL("../../docs/grafana-dashboard.json", import.meta.url);
  return JSON.parse(await readFile(url, "utf8")) as Dashboard;
}

/** Every query of the dashboard: its panels' (rows' included) and its variables'. */
function queriesOf(board: Dashboard): string[] {
  const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
  const exprs = panels(board.panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ""));
  const variables = board.templating.list.flatMap((v) => (v.definition ? [v.definition] : []));
  return [...exprs, ...variables];
}

describe("docs/grafana-dashboard.json", () => {
  it("queries only metrics the node exposes", async () => {
    const metrics = await testMetrics().registry.getMetricsAsJSON();
    const exposed = new Map(metrics.map((metric) => [metric.name, String(metric.type)]));
    const unknown: string[] = [];
    for (const query of queriesOf(await dashboard())) {
      const names = query.match(/\bpostoffice_[a-z0-9_]+/g) ?? [];
      if (names.length === 0) unknown.push(`no metric in: ${query}`);
      for (const name of names) {
        const base = name.replace(HISTOGRAM_SERIES, "");
        const known = exposed.has(name) || (base !== name && exposed.get(base) === "histogram");
        if (!known) unknown.push(name);
      }
    }
    expect(unknown).toEqual([]);
  });

  it("shows connections, frames, mail, errors, latencies, store commits, Redis and slow readers", async () => {
    const used = new Set(
      queriesOf(await dashboard())
        .join(" ")
        .match(/\bpostoffice_[a-z0-9_]+/g),
    );
    expect(
      [
        "postoffice_connections",
        "postoffice_frames_in_total",
        "postoffice_frames_out_total",
        "postoffice_messages_routed_total",
        "postoffice_errors_total",
        "postoffice_accept_latency_seconds_bucket",
        "postoffice_delivery_latency_seconds_bucket",
        "postoffice_mailbox_commit_seconds_bucket",
        "postoffice_redis_connection_up",
        "postoffice_slow_readers_total",
      ].filter((name) => !used.has(name)),
    ).toEqual([]);
  });
});
