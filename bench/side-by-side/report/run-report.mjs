// The JSON report of a run (bench/results/side-by-side.json): a head that says where and how
// it ran, then one section per scenario run, under the scenario's name, in the shape its file
// defines. A section is read back only by its own scenario (scenarios/scenario.mjs).
/** @import { Refusals } from "./refusals.mjs" */

/**
 * @typedef {object} Machine
 * @property {string} node
 * @property {number} cpus
 * @property {string} cpuModel
 * @property {string} postofficeVersion
 * @property {string | undefined} [socketIoVersion]
 * @property {string | undefined} [wsVersion]
 */

/**
 * @typedef {object} RunSettings
 * @property {number} generators
 * @property {number} [warmupSeconds]
 * @property {string} [socketIoClient]
 * @property {string} [sourceAddresses]
 * @property {string} [parse] how the generators read frames: light or full (--parse)
 */

/**
 * The server of a run by URL.
 * @typedef {object} UrlTarget
 * @property {string} url
 * @property {"jwt" | "anonymous"} auth
 * @property {number | null} [pid]
 * @property {string | undefined} [version]
 * @property {string} [memoryFrom]
 */

/**
 * @typedef {object} ReportHead
 * @property {string} generatedAt
 * @property {boolean} quick
 * @property {Machine} machine
 * @property {RunSettings} settings
 * @property {UrlTarget} [target]
 * @property {number} [seconds]
 */

/** @typedef {ReportHead & { [section: string]: unknown }} RunReport */

/**
 * What a scenario's rows and targets may depend on besides its own section.
 * @typedef {{ byUrl: boolean, authenticated: "authenticated" | "anonymous" }} ReportView
 */

/**
 * A step the server refused: no figures, only what it refused.
 * @typedef {{ refused: Refusals }} RefusedResult
 */

/**
 * The results of one step per server (a key of SERVER_KEYS in report.mjs).
 * @template R
 * @typedef {Partial<Record<string, R | RefusedResult>>} Results
 */

/**
 * @param {unknown} result
 * @returns {result is RefusedResult}
 */
export const isRefused = (result) =>
  typeof result === "object" && result !== null && "refused" in result;

/**
 * A step's figures, undefined when it was refused or not run.
 * @template R
 * @param {R | RefusedResult | undefined} result
 * @returns {R | undefined}
 */
export const figures = (result) => (isRefused(result) ? undefined : result);

/**
 * @param {RunReport} report
 * @returns {ReportView}
 */
export const viewOf = (report) => ({
  byUrl: report.target !== undefined,
  // A server by URL in anonymous mode verifies no token.
  authenticated: report.target?.auth === "anonymous" ? "anonymous" : "authenticated",
});
