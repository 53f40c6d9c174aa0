// The side-by-side report: each scenario's rows of figures with their ratios and its targets,
// as the Markdown table of a run and the generated section of docs/benchmarks.md; for a run
// against one server by URL, its figures alone. Under the table, the steps the server refused
// and which configuration keys to raise.
/** @import { RunReport } from "./report/run-report.mjs" */
/** @import { Row, Target } from "./report/rows.mjs" */
/** @import { ServerKind } from "./servers.mjs" */
import { markdownTable } from "../lib.mjs";
import { num, ratio, times } from "./report/format.mjs";
import { refusalText } from "./report/refusals.mjs";
import { isRefused } from "./report/run-report.mjs";
import { SCENARIOS } from "./scenarios/index.mjs";
import { SERVER_LABELS } from "./servers.mjs";

/** How each key of a scenario's results is named in notes. */
/** @type {Record<string, string>} */
const SERVER_KEYS = {
  ...SERVER_LABELS,
  "postoffice-memory": "Postoffice (memory store)",
  "postoffice-sqlite": "Postoffice (SQLite store)",
};

/** @param {RunReport} report */
export const buildRows = (report) => SCENARIOS.flatMap((scenario) => scenario.rows(report));

/**
 * The targets, each met or missed (or not measured in this run). Against a server by
 * URL, only the targets that are not ratios to the peers: the fan-out latencies.
 * @param {RunReport} report
 * @returns {Target[]}
 */
export const buildTargets = (report) => SCENARIOS.flatMap((scenario) => scenario.targets(report));

/**
 * A value of the table, or "refused" for a step the server refused.
 * @param {Row} row
 * @param {ServerKind} server
 */
const cell = (row, server) =>
  row.values.refused[server] ? "refused" : num(row.values[server], row.digits);

/** @param {Row} row */
const figureOf = (row) =>
  `${row.figure}${row.better === "higher" ? " ↑" : row.better === "lower" ? " ↓" : ""}`;

/** @param {Target[]} targets */
const targetTable = (targets) =>
  markdownTable(
    targets.map((t) => ({
      Target: t.target,
      "In this run": t.measured,
      Met: t.met === undefined ? "—" : t.met ? "yes" : "**no**",
    })),
  );

/**
 * @param {RunReport} report
 * @returns {string}
 */
export function renderMarkdown(report) {
  if (report.target !== undefined) return renderTargetMarkdown(report);
  const table = markdownTable(
    buildRows(report).map((row) => {
      const { postoffice, ws, socketio } = row.values;
      return {
        Scenario: row.scenario,
        Figure: figureOf(row),
        [SERVER_LABELS.postoffice]: cell(row, "postoffice"),
        [SERVER_LABELS.ws]: cell(row, "ws"),
        [SERVER_LABELS.socketio]: cell(row, "socketio"),
        "Postoffice ÷ ws": times(ratio(postoffice, ws)),
        "Postoffice ÷ Socket.IO": times(ratio(postoffice, socketio)),
      };
    }),
  );
  const m = report.machine;
  return [
    `Run of ${report.generatedAt.slice(0, 10)}${report.quick ? " (--quick)" : ""}: Node ${m.node}, ${m.cpus} cores (${m.cpuModel}), ` +
      `Postoffice ${m.postofficeVersion}, socket.io ${m.socketIoVersion}, ws ${m.wsVersion}; ` +
      `${report.settings.generators} generator processes${parseNote(report)}; ${report.seconds} s in all.`,
    "↑ higher is better, ↓ lower is better; CPU is user + system time over the measured window.",
    "",
    table,
    "",
    targetTable(buildTargets(report)),
    ...refusedNotes(report),
  ].join("\n");
}

/**
 * How the generators read frames, when not the default light scan (reports before `--parse`
 * parsed every frame, and say nothing).
 * @param {RunReport} report
 */
const parseNote = (report) =>
  report.settings.parse === "full" ? " (every frame parsed in full)" : "";

/**
 * One server by URL: its figures alone, no peers and no ratios.
 * @param {RunReport} report
 */
function renderTargetMarkdown(report) {
  const t = report.target;
  if (t === undefined) throw new Error("not a report of a server by URL");
  const cpuKnown = t.pid !== undefined && t.pid !== null;
  const table = markdownTable(
    buildRows(report).map((row) => {
      let value = cell(row, "postoffice");
      if (row.serverCpu && !cpuKnown && !row.values.refused.postoffice) value = "unknown: no --pid";
      return { Scenario: row.scenario, Figure: figureOf(row), Measured: value };
    }),
  );
  const targets = buildTargets(report);
  const m = report.machine;
  const lines = [
    `Run of ${report.generatedAt.slice(0, 10)}${report.quick ? " (--quick)" : ""} against ${t.url} ` +
      `(Postoffice ${t.version ?? "of unknown version"}, ${t.auth === "anonymous" ? "anonymous users" : "a JWT signed for each user"}); ` +
      `load from Node ${m.node}, ${m.cpus} cores (${m.cpuModel}), ${report.settings.generators} generator processes${parseNote(report)}; ${report.seconds} s in all.`,
    "↑ higher is better, ↓ lower is better; CPU is user + system time over the measured window. " +
      (cpuKnown
        ? `The server's CPU is read from /proc/${t.pid}.`
        : "The server's CPU is unknown: it is read from /proc only with --pid PID of a local server.") +
      (report.idle === undefined
        ? ""
        : ` Memory from the server's ${t.memoryFrom}, without a forced garbage collection.`),
    "",
    table,
  ];
  if (targets.length > 0) lines.push("", targetTable(targets));
  lines.push(...refusedNotes(report));
  return lines.join("\n");
}

/**
 * Notes under the table for the steps the server refused: what it said, what to change.
 * @param {RunReport} report
 */
function refusedNotes(report) {
  const steps = [];
  for (const scenario of SCENARIOS)
    for (const [name, results] of scenario.results(report))
      for (const [key, result] of Object.entries(results))
        if (isRefused(result))
          steps.push(`- ${name}, ${SERVER_KEYS[key] ?? key}: ${refusalText(result.refused)}`);
  if (steps.length === 0) return [];
  return [
    "",
    "**Refused by the server**: these steps have no figures (the refusals would have made them wrong).",
    "",
    ...steps,
  ];
}
