/**
 * The dashboard: polls GET /api/stats every second and shows the node live. Messages per
 * second are the change in messages routed between two polls. When the node wants
 * `metrics.token`, it is given once in the address's fragment (`/dashboard#token=...`: a
 * fragment never reaches a server, a log or a Referer), kept for this tab, and sent as a
 * bearer token.
 */
import type { Stats } from "../src/protocol/index.js";
import { drawChart } from "./chart.js";
import { byId, el } from "./dom.js";

const INTERVAL_MS = 1000;
const CAPACITY = 121; // two minutes of samples, both ends included

const ui = {
  status: byId("status"),
  uptime: byId("uptime"),
  connections: byId("connections"),
  sessions: byId("sessions"),
  rate: byId("rate"),
  routed: byId("routed"),
  routedKinds: byId("routed-kinds"),
  waiting: byId("waiting"),
  errors: byId("errors"),
  rateChart: byId<HTMLCanvasElement>("rate-chart"),
  connectionsChart: byId<HTMLCanvasElement>("connections-chart"),
};

const rates: number[] = [];
const connections: number[] = [];
let previous: { routed: number; at: number } | undefined;
const TOKEN_KEY = "postoffice.metricsToken";
const token = metricsToken();

/** The token from the fragment (then removed from the address bar), or the one kept before. */
function metricsToken(): string | undefined {
  const given = new URLSearchParams(location.hash.slice(1)).get("token");
  if (given) {
    sessionStorage.setItem(TOKEN_KEY, given);
    history.replaceState(null, "", location.pathname + location.search);
    return given;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** What the status line says when the node refuses the dashboard. */
function refusal(status: number): string {
  if (status === 401) return "metrics.token needed: open /dashboard#token=<token>";
  if (status === 403) return "this address is not in metrics.allowFrom";
  return `HTTP ${status}`;
}

async function poll(): Promise<void> {
  try {
    const headers: Record<string, string> =
      token === undefined ? {} : { authorization: `Bearer ${token}` };
    const response = await fetch("api/stats", { cache: "no-store", headers });
    if (!response.ok) throw new Error(refusal(response.status));
    show((await response.json()) as Stats, performance.now());
    ui.status.dataset.state = "open";
    ui.status.textContent = "live";
  } catch (error) {
    ui.status.dataset.state = "offline";
    ui.status.textContent = `offline (${(error as Error).message})`;
    previous = undefined;
  }
  setTimeout(() => void poll(), INTERVAL_MS);
}

function show(stats: Stats, at: number): void {
  const { direct, room, broadcast } = stats.messagesRouted;
  const routed = direct + room + broadcast;
  // A restarted server starts its counters again: no negative rate.
  const rate =
    previous === undefined
      ? 0
      : Math.max(0, (routed - previous.routed) / ((at - previous.at) / 1000));
  previous = { routed, at };
  push(rates, rate);
  push(connections, stats.connections);

  ui.connections.textContent = String(stats.connections);
  ui.sessions.textContent = String(stats.sessions);
  ui.rate.textContent = rate < 10 ? rate.toFixed(1) : String(Math.round(rate));
  ui.routed.textContent = String(routed);
  ui.routedKinds.textContent = `direct ${direct} · room ${room} · broadcast ${broadcast}`;
  ui.waiting.textContent = stats.mailboxesWaiting === null ? "?" : String(stats.mailboxesWaiting);
  ui.uptime.textContent = `up ${duration(stats.uptimeSeconds)}`;

  const codes = Object.entries(stats.errors).sort((a, b) => b[1] - a[1]);
  if (codes.length === 0) {
    const row = el("tr");
    const cell = el("td", "none", "No errors sent.");
    cell.colSpan = 2;
    row.append(cell);
    ui.errors.replaceChildren(row);
  } else {
    ui.errors.replaceChildren(
      ...codes.map(([code, count]) => {
        const row = el("tr");
        row.append(el("td", "", code), el("td", "num", String(count)));
        return row;
      }),
    );
  }
  draw();
}

function draw(): void {
  drawChart(ui.rateChart, rates, {
    color: "#2f6fde",
    capacity: CAPACITY,
    intervalSeconds: INTERVAL_MS / 1000,
    format: (value) => (value % 1 === 0 ? String(value) : value.toFixed(2).replace(/0$/, "")),
  });
  drawChart(ui.connectionsChart, connections, {
    color: "#1f8a4c",
    minStep: 1,
    capacity: CAPACITY,
    intervalSeconds: INTERVAL_MS / 1000,
  });
}

function push(series: number[], value: number): void {
  series.push(value);
  if (series.length > CAPACITY) series.shift();
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}

window.addEventListener("resize", draw);
void poll();
