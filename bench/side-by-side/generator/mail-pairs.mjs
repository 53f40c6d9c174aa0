// Direct mail in a generator process: both ends of each pair live here. Each connection sends
// mail to its partner, counts the mail it receives and acknowledges every ACK_EVERY entries
// of its mailbox (as a Postoffice client does), either keeping a window of sends waiting for
// `accepted` or sending at a rate spread evenly over the connections.
/** @import { LoadClient } from "../clients/load-client.mjs" */
/** @import { Tally } from "./tally.mjs" */
import { ACK_EVERY } from "../../lib.mjs";
import { now } from "./tally.mjs";

const DRAIN_TIMEOUT_MS = 15_000;
const PACED_MAX_IN_FLIGHT = 2_000; // per connection, sends without an `accepted`

/** @typedef {{ mode: "window", window: number } | { mode: "paced", rate: number }} MailMode */

/** One end of a pair: its connection, its partner and its counts. */
class PairEnd {
  sent = 0;
  accepted = 0;
  /** Mailbox entries received: mail and receipts. */
  entries = 0;
  maxSeq = 0;
  /** Sends in this phase (paced). */
  phaseSent = 0;
  /** Its share of a period, so that paced sends spread evenly over time. */
  offset = 0;

  /**
   * @param {LoadClient} client
   * @param {string} partner
   */
  constructor(client, partner) {
    this.client = client;
    this.partner = partner;
  }

  /** @param {number | undefined} seq */
  entry(seq) {
    this.entries++;
    if (seq !== undefined && seq > this.maxSeq) this.maxSeq = seq;
    if (this.entries % ACK_EVERY === 0)
      this.client.ack(seq === undefined ? this.entries : this.maxSeq);
  }
}

export class MailPairs {
  /** @type {PairEnd[]} */
  ends = [];
  /** @type {"off" | "window" | "paced"} */
  mode = "off";
  window = 0;
  /** @type {NodeJS.Timeout | undefined} */
  timer = undefined;
  #tally;
  #pad;

  /**
   * @param {Tally} tally
   * @param {string} pad
   */
  constructor(tally, pad) {
    this.#tally = tally;
    this.#pad = pad;
  }

  /**
   * @param {LoadClient} client
   * @param {string} partner
   */
  add(client, partner) {
    const end = new PairEnd(client, partner);
    this.ends.push(end);
    client.onMail = (r) => {
      this.#tally.mails++;
      this.#tally.latency(r);
      end.entry(r.seq);
    };
    client.onEntry = (seq) => end.entry(seq);
    client.onAccepted = () => {
      end.accepted++;
      if (this.mode === "window") this.sendWindow(end);
    };
  }

  /** @param {PairEnd} end */
  send(end) {
    end.sent++;
    end.phaseSent++;
    end.client.sendMail(end.partner, end.sent, { n: end.sent, t: now(), text: this.#pad });
  }

  /** @param {PairEnd} end */
  sendWindow(end) {
    while (this.mode === "window" && !end.client.closed && end.sent - end.accepted < this.window)
      this.send(end);
  }

  /** @param {MailMode} mode */
  start(mode) {
    this.mode = mode.mode;
    for (const end of this.ends) end.phaseSent = 0;
    if (mode.mode === "window") {
      this.window = mode.window;
      for (const end of this.ends) this.sendWindow(end);
      return;
    }
    const perEnd = mode.rate / Math.max(1, this.ends.length);
    this.ends.forEach((end, i) => {
      end.offset = i / this.ends.length;
    });
    const started = performance.now();
    this.timer = setInterval(() => {
      const periods = (perEnd * (performance.now() - started)) / 1000;
      for (const end of this.ends) {
        const due = Math.floor(periods + end.offset);
        while (
          !end.client.closed &&
          end.phaseSent < due &&
          end.sent - end.accepted < PACED_MAX_IN_FLIGHT
        )
          this.send(end);
      }
    }, 10);
  }

  /** Stops sending and waits (bounded) until everything sent is accepted and received. */
  async stop() {
    this.mode = "off";
    clearInterval(this.timer);
    const deadline = performance.now() + DRAIN_TIMEOUT_MS;
    const totals = () => {
      let sent = 0;
      let accepted = 0;
      for (const end of this.ends) {
        sent += end.sent;
        accepted += end.accepted;
      }
      return { sent, accepted };
    };
    // Pairs live in the same process, so everything sent here is received here.
    while (performance.now() < deadline) {
      const { sent, accepted } = totals();
      if (accepted >= sent && this.#tally.mails >= sent) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Acknowledge the rest (acks go every ACK_EVERY entries), so that a server the bench does
    // not stop keeps no undelivered mail for its throwaway users.
    for (const end of this.ends)
      if (end.maxSeq > 0 && end.entries % ACK_EVERY !== 0) end.client.ack(end.maxSeq);
    const { sent, accepted } = totals();
    const received = this.#tally.mails;
    return { sent, accepted, received, undelivered: Math.max(0, sent - received) };
  }
}
