// What a generator process counts, for the orchestrator's `mark`: deliveries, mails,
// connections churned, connections lost, what the server refused (by what it said), and the
// latency histogram of the phase being recorded.
/** @import { Refusals } from "../report/refusals.mjs" */
import { Histogram } from "../histogram.mjs";

/** Now on the clock that all processes of the machine share (ms). */
export const now = () => performance.timeOrigin + performance.now();

export class Tally {
  delivered = 0;
  mails = 0;
  churned = 0;
  churnFailed = 0;
  lostConnections = 0;
  /** @type {Refusals} */
  refusals = { errors: {}, closes: {}, opens: {} };
  histogram = new Histogram();
  recording = false;
  /** Set once the orchestrator has asked the process to exit: closes are no longer losses. */
  exiting = false;

  /**
   * A latency from a message's `t`, while a phase is recorded.
   * @param {{ time(): number }} message read only when recording: reading `t` costs
   */
  latency(message) {
    if (this.recording) this.histogram.record(now() - message.time());
  }

  /** @param {unknown} error a connection that did not open */
  refusedOpen(error) {
    const what = error instanceof Error ? error.message : String(error);
    count(this.refusals.opens, what.slice(0, 120));
  }

  /** @param {string} code an error frame */
  refusedFrame(code) {
    count(this.refusals.errors, code);
  }

  /**
   * A close the generator did not ask for.
   * @param {number | undefined} code
   * @param {string | undefined} reason
   */
  lost(code, reason) {
    this.lostConnections++;
    count(this.refusals.closes, `${code ?? "?"} ${reason ?? ""}`.trim().slice(0, 120));
  }
}

/**
 * @param {Record<string, number>} map
 * @param {string} key
 */
function count(map, key) {
  map[key] = (map[key] ?? 0) + 1;
}
