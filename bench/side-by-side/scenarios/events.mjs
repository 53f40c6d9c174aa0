// Declared events beside plain room messages, on Postoffice alone (the peers have no events):
// a small room of N members and one publisher at saturation (it keeps `--events-window` items
// ahead of the slowest member), once with `message` frames to the room, once with a declared
// two-action event whose notice reaches the same members: GoDispatch's send_message
// (notify_room, then log), with the membership check of `allow`. Both runs are the same server
// configuration; only the frame differs. The figure that matters is the server's CPU per item
// sent: the room is small so that handling the item, not writing it to the members, dominates.
/** @import { GeneratorProcess } from "../generator-process.mjs" */
/** @import { Run } from "../run.mjs" */
/** @import { RefusedResult, Results } from "../report/run-report.mjs" */
/** @import { Row, Target } from "../report/rows.mjs" */
/** @import { Step } from "./scenario.mjs" */
import { round } from "../../lib.mjs";
import { mark, window } from "../measure.mjs";
import { num, ratio, times } from "../report/format.mjs";
import { pick, rowsFor, targetsInto } from "../report/rows.mjs";
import { figures } from "../report/run-report.mjs";
import { openRoom } from "./room-load.mjs";
import { defineScenario } from "./scenario.mjs";

/** The event sent, declared in the server's configuration below. */
const EVENT = "bench_message";

/** Members get this long to catch up after the window. */
const DRAIN_TIMEOUT_MS = 15_000;

/** The target of issue 15: a declared event costs at most this many room messages. */
const TARGET_RATIO = 1.3;

/**
 * GoDispatch's send_message in Postoffice's own form: members only, then notify the room with
 * the payload, then a log line (throttled by the engine to 20 a second per step).
 */
const EVENTS_CONFIG = [
  "events:",
  `  ${EVENT}:`,
  "    target: room",
  "    allow: { member: true }",
  "    actions:",
  '      - notify_room: { event: message, payload: "{.payload}" }',
  '      - log: { message: "{$user.id} said something in {$target.id}" }',
  "",
].join("\n");

/** @typedef {"message" | "event"} Via */

/**
 * @typedef {object} EventsResult
 * @property {Via} via
 * @property {number} sentPerSecond items the publisher got through per second (deliveries ÷ members)
 * @property {number | null} serverCpuMicrosPerItem server CPU (user + system) per item sent
 * @property {number} deliveriesPerSecond
 * @property {number | null} serverCpuPercent
 * @property {number} generatorCpuPercent
 * @property {number} [seconds]
 * @property {number} [lostConnections]
 * @property {boolean} [drained]
 */

/** @typedef {{ members: number, size: number, durationSeconds: number, window: number }} EventsSettings */
/** @typedef {{ settings: EventsSettings, results: Results<EventsResult> }} EventsSection */

/**
 * @param {Run} run
 * @param {Via} via
 * @returns {Promise<EventsResult>}
 */
async function measure(run, via) {
  const { options } = run;
  const members = options.number("events-members");
  const size = options.number("events-size");
  const durationMs = options.number("events-duration") * 1000;
  const server = await run.serverFor("postoffice", "memory", EVENTS_CONFIG);
  /** @type {GeneratorProcess[]} */
  const started = [];
  try {
    const generators = Math.min(options.generators, members);
    const { subs, pub } = await openRoom(
      run,
      server,
      { members, size, generators, userPrefix: "member", label: "members" },
      started,
    );
    await run.sleep(options.warmupMs);
    const all = [...subs, pub];
    run.log(`      ${via === "event" ? "events" : "room messages"} for ${durationMs / 1000} s`);
    await pub.call("publish", {
      mode: "window",
      window: options.number("events-window"),
      ...(via === "event" ? { event: EVENT } : {}),
    });
    await run.sleep(options.warmupMs);
    const m1 = await mark(server, all);
    await run.sleep(durationMs);
    const m2 = await mark(server, all);
    const { last } = await pub.call("stopPublish", {});
    const drained = (
      await Promise.all(
        subs.map((g) => g.call("waitMin", { value: last, timeoutMs: DRAIN_TIMEOUT_MS })),
      )
    ).every((r) => r.ok);
    const w = window(m1, m2);
    // Each member gets each item (the publisher too, uncounted): deliveries ÷ members.
    const perServerCpu = w.perServerCpu("delivered");
    return {
      via,
      sentPerSecond: round(w.rate("delivered") / members, 1),
      serverCpuMicrosPerItem:
        perServerCpu === null ? null : round((1_000_000 * members) / perServerCpu, 1),
      deliveriesPerSecond: Math.round(w.rate("delivered")),
      serverCpuPercent: w.serverCpuPercent,
      generatorCpuPercent: w.generatorCpuPercent,
      seconds: round(w.seconds, 2),
      lostConnections: w.lostConnections,
      drained,
    };
  } finally {
    await server.stop();
    await Promise.all(started.map((g) => g.exit()));
  }
}

/** @param {EventsSection} section */
function rows({ settings: s, results }) {
  /** @type {Row[]} */
  const rows = [];
  const add = rowsFor(`declared events (room of ${num(s.members)}, ${s.size} B)`, rows);
  /**
   * Postoffice's value of one figure of one run (`message` or `event`), alone in its column.
   * @param {Via} via
   * @param {(r: EventsResult) => number | null} get
   */
  const of = (via, get) =>
    pick({ postoffice: results[`postoffice-${via}`] }, (r) => (r === undefined ? r : get(r)));
  add(
    "room messages/s at saturation",
    "higher",
    0,
    of("message", (r) => r.sentPerSecond),
  );
  add(
    "events/s at saturation (two actions)",
    "higher",
    0,
    of("event", (r) => r.sentPerSecond),
  );
  add(
    "server CPU µs per room message",
    "lower",
    1,
    of("message", (r) => r.serverCpuMicrosPerItem),
  );
  add(
    "server CPU µs per event",
    "lower",
    1,
    of("event", (r) => r.serverCpuMicrosPerItem),
  );
  add(
    "server CPU at saturation, % of a core (room messages)",
    "",
    0,
    of("message", (r) => r.serverCpuPercent),
  );
  add(
    "server CPU at saturation, % of a core (events)",
    "",
    0,
    of("event", (r) => r.serverCpuPercent),
  );
  const event = figures(results["postoffice-event"])?.serverCpuMicrosPerItem;
  const message = figures(results["postoffice-message"])?.serverCpuMicrosPerItem;
  add("server CPU per event ÷ per room message", "lower", 2, {
    ...of("event", () => null),
    postoffice: ratio(event, message) ?? null,
  });
  return rows;
}

/** @param {EventsSection} section */
function targets({ results }) {
  /** @type {Target[]} */
  const targets = [];
  const add = targetsInto(targets);
  const r = ratio(
    figures(results["postoffice-event"])?.serverCpuMicrosPerItem,
    figures(results["postoffice-message"])?.serverCpuMicrosPerItem,
  );
  add(
    `a declared event ≤ ${TARGET_RATIO}× a room message (server CPU each)`,
    times(r),
    r === undefined ? undefined : r <= TARGET_RATIO,
  );
  return targets;
}

export const events = defineScenario({
  name: "events",
  title: "declared events",
  options: {
    "events-members": { full: "10", quick: "10" },
    "events-size": { full: "32" },
    "events-duration": { full: "10", quick: "2" },
    "events-window": { full: "32" },
  },
  plan(run) {
    const { options } = run;
    /** @type {EventsSection} */
    const section = {
      settings: {
        members: options.number("events-members"),
        size: options.number("events-size"),
        durationSeconds: options.number("events-duration"),
        window: options.number("events-window"),
      },
      results: {},
    };
    // Postoffice started here only: a server by URL has not declared the benchmark's event.
    const runs = options.servers.includes("postoffice") && options.url === undefined;
    /** @type {Step[]} */
    const steps = runs
      ? /** @type {Via[]} */ (["message", "event"]).map((via) => ({
          scenario: "events",
          label: `Postoffice (${via === "event" ? "declared events" : "room messages"})`,
          run: () => measure(run, via),
          record: (result) => {
            section.results[`postoffice-${via}`] = /** @type {EventsResult | RefusedResult} */ (
              result
            );
          },
        }))
      : [];
    return { section, steps };
  },
  rows,
  targets,
  results: (section) => [["declared events", section.results]],
});
