// The scenarios of the side-by-side benchmark, in the order they run and appear in the report.
// A new scenario is one file (scenario.mjs says what it provides) and one line here.
/** @import { Scenario } from "./scenario.mjs" */
import { connrate } from "./connrate.mjs";
import { direct } from "./direct.mjs";
import { events } from "./events.mjs";
import { fanout } from "./fanout.mjs";
import { idle } from "./idle.mjs";

/** @type {Scenario[]} */
export const SCENARIOS = [fanout, direct, idle, connrate, events];
