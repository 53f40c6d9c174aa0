// The two roles of fan-out in a generator process: the room's subscribers, which count
// deliveries and track how far the slowest of them has got, and the publisher, which keeps a
// window of messages ahead of the slowest subscriber of all processes, or sends at a rate.
/** @import { LoadClient } from "../clients/load-client.mjs" */
/** @import { FrameReading } from "../clients/frame-reading.mjs" */
/** @import { Tally } from "./tally.mjs" */
import { now } from "./tally.mjs";

const PACED_MAX_OUTSTANDING = 100_000; // open-loop sends ahead of the slowest receiver, at most

/** @typedef {{ value: number, resolve: (ok: boolean) => void }} MinWaiter */

export class Subscribers {
  expected = 0;
  /** @type {Map<number, number>} message n → subscribers of this process that have it */
  reached = new Map();
  /** Every subscriber of this process has every message up to this one. */
  min = 0;
  /** @type {MinWaiter[]} */
  waiters = [];
  #tally;
  #tell;

  /**
   * @param {Tally} tally
   * @param {(min: number) => void} tell tells the orchestrator how far the slowest has got
   */
  constructor(tally, tell) {
    this.#tally = tally;
    this.#tell = tell;
  }

  /** @param {LoadClient} client */
  add(client) {
    this.expected++;
    client.onRoom = (r) => this.delivered(r);
  }

  /** @param {FrameReading} r */
  delivered(r) {
    this.#tally.delivered++;
    this.#tally.latency(r);
    const count = (this.reached.get(r.n) ?? 0) + 1;
    if (count >= this.expected) this.complete(r.n);
    else this.reached.set(r.n, count);
  }

  /** A subscriber is gone: messages it still lacked may now be complete. */
  lost() {
    this.expected--;
    for (const [n, count] of this.reached) if (count >= this.expected) this.complete(n);
  }

  /**
   * Every subscriber of this process has message n (and so every one before it: in order).
   * @param {number} n
   */
  complete(n) {
    this.reached.delete(n);
    if (n <= this.min) return;
    for (const key of this.reached.keys()) if (key <= n) this.reached.delete(key);
    this.min = n;
    this.#tell(n);
    this.waiters = this.waiters.filter((waiter) => {
      if (this.min < waiter.value) return true;
      waiter.resolve(true);
      return false;
    });
  }

  /**
   * Resolves true once every subscriber has message `value`, false after `timeoutMs`.
   * @param {number} value
   * @param {number} timeoutMs
   * @returns {Promise<boolean>}
   */
  waitMin(value, timeoutMs) {
    if (this.min >= value || this.expected === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { value, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
    });
  }
}

/**
 * How the publisher sends: `event`, when given, names a declared event it sends to the room
 * instead of a message (its notice to the room carries the body).
 * @typedef {({ mode: "window", window: number } | { mode: "paced", rate: number }) & { event?: string }} PublishMode
 */

export class Publisher {
  /** @type {LoadClient | undefined} */
  client = undefined;
  room = "";
  /** @type {"off" | "window" | "paced"} */
  mode = "off";
  next = 1;
  /** The slowest subscriber of all processes has every message up to this one. */
  globalMin = 0;
  window = 0;
  /** @type {NodeJS.Timeout | undefined} */
  pacer = undefined;
  #pad;

  /** @param {string} pad */
  constructor(pad) {
    this.#pad = pad;
  }

  /**
   * @param {LoadClient} client
   * @param {string} room
   */
  set(client, room) {
    this.client = client;
    this.room = room;
  }

  /** @type {string | undefined} */
  event = undefined;

  publishOne() {
    const body = { n: this.next, t: now(), text: this.#pad };
    if (this.event === undefined) this.client?.sendRoom(this.room, body);
    else if (this.client?.sendEvent === undefined) throw new Error("this client sends no events");
    else this.client.sendEvent(this.event, this.room, body);
    this.next++;
  }

  publishWindow() {
    while (this.mode === "window" && this.next <= this.globalMin + this.window) this.publishOne();
  }

  /** @param {number} value */
  setMin(value) {
    this.globalMin = value;
    if (this.mode === "window") this.publishWindow();
  }

  /** @param {PublishMode} mode */
  start(mode) {
    this.mode = mode.mode;
    this.event = mode.event;
    if (mode.mode === "window") {
      this.window = mode.window;
      this.publishWindow();
      return;
    }
    const started = performance.now();
    const first = this.next;
    const { rate } = mode;
    this.pacer = setInterval(() => {
      const due = first + Math.floor((rate * (performance.now() - started)) / 1000);
      while (this.next < due && this.next - this.globalMin < PACED_MAX_OUTSTANDING)
        this.publishOne();
    }, 5);
  }

  stop() {
    this.mode = "off";
    clearInterval(this.pacer);
    return { last: this.next - 1 };
  }
}
