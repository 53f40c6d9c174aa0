// Connection churn in a generator process: `concurrency` loops that each open a connection
// with a fresh user (and, for Postoffice, a freshly signed JWT), count it once welcomed, and
// close it at once.
/** @import { ClientKind } from "../clients/load-client.mjs" */
/** @import { ClientOptions } from "../clients/open-client.mjs" */
/** @import { Tally } from "./tally.mjs" */
import { openClient } from "../clients/open-client.mjs";

/**
 * @typedef {object} ChurnPlan
 * @property {number} concurrency
 * @property {Array<string | undefined>} addresses source addresses, in turn
 * @property {string} prefix of the users' names
 * @property {number} maxCount a bound on connections, whatever happens
 */

export class Churn {
  running = false;
  /** @type {Promise<void>[]} */
  loops = [];
  #tally;

  /** @param {Tally} tally */
  constructor(tally) {
    this.#tally = tally;
  }

  /**
   * @param {ClientKind} kind
   * @param {Omit<ClientOptions, "user" | "localAddress">} target
   * @param {ChurnPlan} plan
   */
  start(kind, target, { concurrency, addresses, prefix, maxCount }) {
    this.running = true;
    const tally = this.#tally;
    let serial = 0;
    const loop = async () => {
      while (this.running && tally.churned + tally.churnFailed < maxCount) {
        const i = serial++;
        try {
          const client = await openClient(kind, {
            ...target,
            user: `${prefix}-${i}`,
            localAddress: addresses[i % addresses.length],
          });
          tally.churned++;
          client.close();
        } catch (error) {
          tally.churnFailed++;
          tally.refusedOpen(error);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    };
    this.loops = Array.from({ length: concurrency }, loop);
  }

  async stop() {
    this.running = false;
    await Promise.all(this.loops);
    return { churned: this.#tally.churned, failed: this.#tally.churnFailed };
  }
}
