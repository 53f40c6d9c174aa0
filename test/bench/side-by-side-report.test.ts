import { describe, expect, it } from "vitest";
import { explainRefusals } from "../../bench/side-by-side/report/refusals.mjs";
import { buildTargets, renderMarkdown } from "../../bench/side-by-side/report.mjs";

const machine = {
  node: "v20.0.0",
  cpus: 2,
  cpuModel: "test",
  postofficeVersion: "0.1.0",
  socketIoVersion: "4.8.4",
  wsVersion: "8.23.0",
};
const base = {
  generatedAt: "2026-01-01T00:00:00.000Z",
  quick: false,
  machine,
  settings: { generators: 2 },
  seconds: 1,
};
const saturation = {
  deliveriesPerSecond: 100_000,
  deliveriesPerServerCpuSecond: 120_000,
  serverCpuPercent: 80,
  generatorCpuPercent: 90,
};
const phase = (rate: number, p99Ms: number) => ({
  rate,
  deliveriesPerSecond: rate * 1000,
  p50Ms: p99Ms / 2,
  p99Ms,
});

describe("the side-by-side report", () => {
  it("has rows and a latency target for each paced fan-out rate", () => {
    const report = {
      ...base,
      fanout: {
        settings: { clients: 1000, size: 32, rates: [200, 500] },
        results: {
          postoffice: { saturation, paced: [phase(200, 30), phase(500, 140)] },
          ws: { saturation, paced: [phase(200, 4000), phase(500, 9000)] },
        },
      },
    };
    const text = renderMarkdown(report);
    expect(text).toContain(
      "| fan-out (1,000 clients, 32 B) | p99 latency, ms (paced, 200 publishes/s) ↓ | 30.00 | 4,000.00 |",
    );
    expect(text).toContain(
      "| fan-out (1,000 clients, 32 B) | p99 latency, ms (paced, 500 publishes/s) ↓ | 140.00 | 9,000.00 |",
    );
    expect(text).toContain("deliveries/s paced (500 publishes/s = 500,000 deliveries/s)");
    expect(buildTargets(report).filter((t) => t.target.includes("p99"))).toEqual([
      {
        target: "fan-out p99 < 50 ms at 200k deliveries/s",
        measured: "30.00 ms at 200,000 deliveries/s",
        met: true,
      },
      {
        target: "fan-out p99 < 100 ms at 500k deliveries/s",
        measured: "140.00 ms at 500,000 deliveries/s",
        met: false,
      },
    ]);
  });

  it("still renders a report of the older shape (one paced phase, settings.rate)", () => {
    const report = {
      ...base,
      fanout: {
        settings: { clients: 1000, size: 32, rate: 200 },
        results: { postoffice: { saturation, paced: phase(200, 37.61) } },
      },
    };
    expect(renderMarkdown(report)).toContain(
      "p99 latency, ms (paced, 200 publishes/s) ↓ | 37.61 |",
    );
    const targets = buildTargets(report).filter((t) => t.target.includes("p99"));
    expect(targets.map((t) => t.met)).toEqual([true, undefined]);
    expect(targets[1]?.measured).toBe("not measured: paced at 200,000 deliveries/s at most");
  });

  it("for a server by URL: its figures alone, CPU unknown without --pid, refused steps named", () => {
    const report = {
      ...base,
      target: { url: "ws://127.0.0.1:8080/ws", auth: "jwt" as const, version: "0.1.0" },
      fanout: {
        settings: { clients: 20, size: 32, rates: [200] },
        results: {
          postoffice: {
            saturation: {
              ...saturation,
              serverCpuPercent: null,
              deliveriesPerServerCpuSecond: null,
            },
            paced: [phase(200, 2)],
          },
        },
      },
      direct: {
        settings: { pairs: 5, size: 32, rate: 2000 },
        results: {
          postoffice: {
            refused: { errors: { rate_limited: 80 }, closes: { "4429 rate_limited": 1 } },
          },
        },
      },
    };
    const text = renderMarkdown(report);
    expect(text).toContain("| Scenario | Figure | Measured |");
    expect(text).not.toContain("bare ws");
    expect(text).not.toContain("÷");
    expect(text).toContain("| deliveries/s at saturation ↑ | 100,000 |");
    expect(text).toContain("| server CPU at saturation, % of a core | unknown: no --pid |");
    expect(text).toContain("The server's CPU is unknown");
    expect(text).toContain(
      "| direct mail, the server's store (5 pairs, 32 B) | mails/s at saturation ↑ | refused |",
    );
    expect(text).toContain("**Refused by the server**");
    expect(text).toContain("limits.rate.message.perSecond");
    // Only the targets that are not ratios to the peers.
    expect(buildTargets(report).map((t) => t.target)).toEqual([
      "fan-out p99 < 50 ms at 200k deliveries/s",
      "fan-out p99 < 100 ms at 500k deliveries/s",
    ]);
  });

  it("names the configuration keys to raise for each refusal", () => {
    const explained = explainRefusals({
      errors: { rate_limited: 20, room_full: 3 },
      closes: { "4429 rate_limited": 1 },
      opens: { "HTTP 503 too_many_connections": 5, "close 4409 too_many_sessions": 2 },
    });
    expect(explained.map((e) => e.what)).toEqual([
      "error rate_limited ×20, close 4429 rate_limited ×1",
      "connection failed: HTTP 503 too_many_connections ×5",
      "error room_full ×3",
      "connection failed: close 4409 too_many_sessions ×2",
    ]);
    const texts = explained.map((e) => e.text).join("\n");
    for (const key of [
      "limits.rate.connection.perSecond",
      "limits.rate.user.perSecond",
      "limits.rate.message.perSecond",
      "limits.maxConnections",
      "rooms.maxMembers",
      "limits.maxSessionsPerUser",
    ])
      expect(texts).toContain(key);
  });
});
