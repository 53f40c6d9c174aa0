/**
 * The dashboard: polls GET /api/stats every second and shows the node live. Messages per
 * second are the change in messages routed between two polls. Off loopback the server wants
 * an API key (scope read): a refused poll says why and waits for a key before asking again.
 * A key may also come once in the address's fragment (`/dashboard#token=...`: a fragment never
 * reaches a server, a log or a Referer), as `metrics.token` or an API key: the server takes either.
 */
import type { Stats } from "../src/protocol/index.js";
import { call, refusal, storedKey, storeKey } from "./api-key.js";
import { drawChart } from "./chart.js";
import { byId, el } from "./dom.js";
import { startOperatorActions } from "./operator.js";

const INTERVAL_MS = 1000;
const CAPACITY = 121; // two minutes of samples, both ends included

const ui = {
  keyForm: byId<HTMLFormElement>("key-form"),
  apiKey: byId<HTMLInputElement>("api-key"),
  forgetKey: byId<HTMLButtonElement>("forget-key"),
  keyResult: byId("key-result"),
  status: byId("status"),
  uptime: byId("uptime"),
  connections: byId("connections"),
  dialects: byId("dialects"),
  sessions: byId("sessions"),
  rate: byId("rate"),
  routed: byId("routed"),
  routedKinds: byId("routed-kinds"),
  waiting: byId("waiting"),
  amqpTile: byId("amqp-tile"),
  amqp: byId("amqp"),
  amqpCounts: byId("amqp-counts"),
  errors: byId("errors"),
  rateChart: byId<HTMLCanvasElement>("rate-chart"),
  connectionsChart: byId<HTMLCanvasElement>("connections-chart"),
};

const rates: number[] = [];
const connections: number[] = [];
let previous: { routed: number; at: number } | undefined;
let key = keyFromFragment() ?? storedKey();
let timer: ReturnType<typeof setTimeout> | undefined;
/** Counts the keys used: a poll of an earlier one ends without asking again. */
let generation = 0;

/** A key given in the fragment: kept as the stored key, then removed from the address bar. */
function keyFromFragment(): string | undefined {
  const given = new URLSearchParams(location.hash.slice(1)).get("token");
  if (!given) return undefined;
  storeKey(given);
  history.replaceState(null, "", location.pathname + location.search);
  return given;
}

async function poll(): Promise<void> {
  timer = undefined;
  const mine = generation;
  try {
    const answer = await call<Stats>(key, "GET", "api/stats");
    if (mine !== generation) return; // a new key's own poll is on its way
    if (answer.status === 401 || answer.status === 403) {
      // Asking again with the same key would only be refused again (and spend the
      // address's budget of wrong keys): wait for another key.
      ui.status.dataset.state = "offline";
      ui.status.textContent = answer.status === 401 ? "API key needed" : "API key refused";
      sayKey("error", refusal(answer));
      previous = undefined;
      return;
    }
    if (!answer.ok || answer.body === undefined) throw new Error(`HTTP ${answer.status}`);
    show(answer.body, performance.now());
    ui.status.dataset.state = "open";
    ui.status.textContent = "live";
    if (ui.keyResult.dataset.state === "error") sayKey("ok", "");
  } catch (error) {
    if (mine !== generation) return;
    ui.status.dataset.state = "offline";
    ui.status.textContent = `offline (${(error as Error).message})`;
    previous = undefined;
  }
  timer = setTimeout(() => void poll(), INTERVAL_MS);
}

/** A new key (or none): kept for this tab, and the polls start again with it. */
function useKey(next: string): void {
  key = next;
  generation++;
  storeKey(next);
  ui.apiKey.value = next;
  sayKey(
    "ok",
    next === "" ? "No key: the dashboard asks without one." : "Key in use for this tab.",
  );
  if (timer !== undefined) clearTimeout(timer);
  void poll();
}

function sayKey(state: "ok" | "error", text: string): void {
  ui.keyResult.dataset.state = state;
  ui.keyResult.textContent = text;
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
  // By the dialect their clients speak: shown once a node serves more than the native one.
  const dialects = Object.entries(stats.dialects ?? {});
  ui.dialects.textContent =
    dialects.length === 1 && dialects[0]?.[0] === "native"
      ? ""
      : dialects.map(([name, counts]) => `${name} ${counts.connections}`).join(" · ");
  ui.rate.textContent = rate < 10 ? rate.toFixed(1) : String(Math.round(rate));
  ui.routed.textContent = String(routed);
  ui.routedKinds.textContent = `direct ${direct} · room ${room} · broadcast ${broadcast}`;
  ui.waiting.textContent = stats.mailboxesWaiting === null ? "?" : String(stats.mailboxesWaiting);
  ui.uptime.textContent = `up ${duration(stats.uptimeSeconds)}`;
  // Shown only on a node with a bridge (amqp.url).
  ui.amqpTile.hidden = stats.amqp === undefined;
  if (stats.amqp !== undefined) {
    const { status, mailAccepted, mailDeadLettered, eventsPublished, eventsWaiting } = stats.amqp;
    ui.amqp.textContent = status;
    ui.amqpCounts.textContent = `mail in ${mailAccepted} · dead ${mailDeadLettered} · events out ${eventsPublished} · waiting ${eventsWaiting}`;
  }

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

ui.keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  useKey(ui.apiKey.value.trim());
});
ui.forgetKey.addEventListener("click", () => useKey(""));
ui.apiKey.value = key;
startOperatorActions(() => key);
window.addEventListener("resize", draw);
void poll();
