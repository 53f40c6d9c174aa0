// The rows of the report's table and its targets, as each scenario gives them: one figure per
// row, with each server's value (or "refused"), whether higher or lower is better, and the
// digits it is written with; a target met, missed, or not measured.
/** @import { ServerKind } from "../servers.mjs" */
/** @import { Results } from "./run-report.mjs" */
import { figures, isRefused } from "./run-report.mjs";

/** @typedef {"higher" | "lower" | ""} Better */

/**
 * @typedef {object} RowValues
 * @property {number | null | undefined} postoffice
 * @property {number | null | undefined} ws
 * @property {number | null | undefined} socketio
 * @property {Record<ServerKind, boolean>} refused a step the server refused has no figures
 */

/**
 * @typedef {object} Row
 * @property {string} scenario
 * @property {string} figure
 * @property {Better} better
 * @property {number} digits
 * @property {RowValues} values
 * @property {boolean} serverCpu a row of the server's CPU (unknown for a server by URL without --pid)
 */

/** @typedef {{ target: string, measured: string, met: boolean | undefined }} Target */

/**
 * Each server's value of one figure, taken by `get` from its results.
 * @template R
 * @param {Results<R>} results
 * @param {(result: R | undefined) => number | null | undefined} get
 * @returns {RowValues}
 */
export function pick(results, get) {
  return {
    postoffice: get(figures(results.postoffice)),
    ws: get(figures(results.ws)),
    socketio: get(figures(results.socketio)),
    refused: {
      postoffice: isRefused(results.postoffice),
      ws: isRefused(results.ws),
      socketio: isRefused(results.socketio),
    },
  };
}

/**
 * Rows of one scenario: `add(figure, better, digits, values)`, then `rows`.
 * @param {string} scenario the first column, such as `fan-out (1,000 clients, 32 B)`
 * @param {Row[]} rows where the rows go
 */
export function rowsFor(scenario, rows) {
  /**
   * @param {string} figure
   * @param {Better} better
   * @param {number} digits
   * @param {RowValues} values
   */
  return (figure, better, digits, values) =>
    rows.push({ scenario, figure, better, digits, values, serverCpu: /server CPU/.test(figure) });
}

/**
 * A target met or missed; `met` undefined when not measured.
 * @param {Target[]} targets
 */
export function targetsInto(targets) {
  /**
   * @param {string} target
   * @param {string} measured
   * @param {boolean | undefined} met
   */
  return (target, measured, met) => targets.push({ target, measured, met });
}

/** @typedef {ReturnType<typeof rowsFor>} AddRow */

/**
 * The four rows of a phase at saturation: work per second, work per server CPU-second, and the
 * CPU of the server and of the generators.
 * @template {"deliveries" | "mails"} U
 * @template R
 * @param {AddRow} add
 * @param {U} unit
 * @param {Results<R>} results
 * @param {(result: R | undefined) => (Record<`${U}PerSecond` | `${U}PerServerCpuSecond` | "serverCpuPercent" | "generatorCpuPercent", number | null> | undefined)} saturation
 */
export function saturationRows(add, unit, results, saturation) {
  /** @param {`${U}PerSecond` | `${U}PerServerCpuSecond` | "serverCpuPercent" | "generatorCpuPercent"} key */
  const sat = (key) => pick(results, (r) => saturation(r)?.[key]);
  add(`${unit}/s at saturation`, "higher", 0, sat(`${unit}PerSecond`));
  add(`${unit} per server CPU-second at saturation`, "higher", 0, sat(`${unit}PerServerCpuSecond`));
  add("server CPU at saturation, % of a core", "", 0, sat("serverCpuPercent"));
  add("generators' CPU at saturation, % of a core", "", 0, sat("generatorCpuPercent"));
}
