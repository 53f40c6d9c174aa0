// What a scenario of the side-by-side benchmark is: one file that says its options, plans its
// steps (one per server, or more) for a run, and reads its own section of the report back into
// rows of the table and targets. Adding a scenario is that file and one line in index.mjs.
/** @import { OptionDefault } from "../options.mjs" */
/** @import { Run } from "../run.mjs" */
/** @import { ReportView, RunReport, Results } from "../report/run-report.mjs" */
/** @import { Row, Target } from "../report/rows.mjs" */
import { viewOf } from "../report/run-report.mjs";

/**
 * One step of a run: measures one server (a fresh process for each), then records its result
 * in the scenario's section (or what the server refused).
 * @typedef {object} Step
 * @property {string} scenario
 * @property {string} label for progress and refusal messages
 * @property {() => Promise<object>} run
 * @property {(result: object) => void} record
 */

/**
 * @template S the scenario's section of the report
 * @typedef {object} ScenarioDefinition
 * @property {string} name its key in the report and in --only
 * @property {string} title in notes under the table ("fan-out")
 * @property {Record<string, OptionDefault>} options its numeric options, such as `fanout-clients`
 * @property {(run: Run) => { section: S, steps: Step[] }} plan its section, empty, and the steps
 *   that fill it; checks what must hold before anything starts
 * @property {(section: S, view: ReportView) => Row[]} rows
 * @property {(section: S, view: ReportView) => Target[]} targets
 * @property {(section: S) => Array<[string, Results<unknown>]>} results each group of its
 *   results, with its name in notes (for the steps the server refused)
 */

/**
 * A scenario, its section read from any report.
 * @typedef {object} Scenario
 * @property {string} name
 * @property {string} title
 * @property {Record<string, OptionDefault>} options
 * @property {(run: Run) => { section: unknown, steps: Step[] }} plan
 * @property {(report: RunReport) => Row[]} rows
 * @property {(report: RunReport) => Target[]} targets
 * @property {(report: RunReport) => Array<[string, Results<unknown>]>} results
 */

/**
 * @template S
 * @param {ScenarioDefinition<S>} definition
 * @returns {Scenario}
 */
export function defineScenario(definition) {
  const { name, title, options, plan } = definition;
  // A report is JSON written by a run of this scenario (or read back from a file): its section
  // has the shape this scenario gave it.
  /** @param {RunReport} report */
  const sectionOf = (report) => /** @type {S | undefined} */ (report[name]);
  return {
    name,
    title,
    options,
    plan,
    rows: (report) => {
      const section = sectionOf(report);
      return section === undefined ? [] : definition.rows(section, viewOf(report));
    },
    targets: (report) => {
      const section = sectionOf(report);
      return section === undefined ? [] : definition.targets(section, viewOf(report));
    },
    results: (report) => {
      const section = sectionOf(report);
      return section === undefined ? [] : definition.results(section);
    },
  };
}
