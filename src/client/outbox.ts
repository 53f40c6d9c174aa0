import { clientError, type PostofficeError } from "./errors.js";
import type { Accepted } from "./types.js";

/** Direct mail, a room message, or a broadcast. */
export type OutboxKind = "mail" | "room" | "broadcast";

type Timer = ReturnType<typeof setTimeout>;

interface Entry {
  kind: OutboxKind;
  frame: string;
  /** `queued`: to be sent; `sent`: written on this connection, no answer yet. */
  state: "queued" | "sent" | "accepted";
  /** Sent while the pace was slowed down (see `spacing`). */
  paced: boolean;
  waitDelivered: boolean;
  deliveredTimeoutMs: number | undefined;
  accepted?: Accepted;
  /** The `delivered` receipt came before `accepted` (after a reconnect). */
  delivered: boolean;
  timer?: Timer;
  resolve: (accepted: Accepted) => void;
  reject: (error: PostofficeError) => void;
}

/** The most sends waiting for their answer at once. */
const MAX_IN_FLIGHT = 8;
/** The slowest pace after repeated `rate_limited` answers: one send per this many ms. */
const MAX_SPACING_MS = 10_000;
/** The wait before resending mail the server's store failed to keep: doubling, with jitter. */
const STORE_RETRY_FIRST_MS = 250;
const STORE_RETRY_MAX_MS = 5000;

/**
 * What an `error` answer to a send means for it:
 * - `retry`: the server did not keep it, or may have (its store failed): sent again, the same
 *   frame, after a wait. Mail only: its `id` makes a resend land once [DELIVERY-4].
 * - `requeue`: the server did not handle it (over the rate, or shutting down): sent again in its
 *   place, on this connection after the wait or on the next one.
 * - `reject`: the send fails with the error.
 */
function onError(kind: OutboxKind, code: PostofficeError["code"]): "retry" | "requeue" | "reject" {
  switch (code) {
    case "rate_limited":
    case "server_shutdown":
      return "requeue";
    case "store_unavailable":
    case "outcome_unknown":
    case "recipient_check_unavailable":
      return kind === "mail" ? "retry" : "reject";
    default:
      return "reject";
  }
}

/**
 * Sends waiting for their receipt, in order, and the pace at which they go out.
 *
 * - Direct mail is (re)sent on every connection until the server answers: a resend carries
 *   the same `id`, so the server stores it once and answers with the first receipt.
 * - A room message or broadcast is sent once. If the connection drops between sending it and
 *   its receipt, it rejects with `closed` / `outcome_unknown` rather than risk a duplicate.
 * - Sends go out in windows: a window is sent, and the next waits until all of it has been
 *   answered. The first window of a connection holds one send, and each full window answered
 *   without a refusal doubles the next, up to {@link MAX_IN_FLIGHT}: a long offline queue does
 *   not go out in one burst.
 * - A `rate_limited` answer does not reject the send (the server did not handle it): it goes
 *   back to the queue, in its place, and sending pauses for `retryAfterMs`. Then the queue
 *   goes out one send at a time, spaced by a quarter more than the wait the server asked for
 *   (widened if a spaced send is refused too, up to 10 s), until it is empty. The server
 *   refuses the sends already on their way behind it until it comes back [LIMIT-5], and they
 *   go back to the queue in their places too: the queue keeps its order.
 * - `store_unavailable` and `outcome_unknown` do not reject mail either: the server's store
 *   failed to keep it, or may have kept it. It goes back to the queue, in its place, and
 *   sending pauses (250 ms, doubling up to 5 s, with jitter) before it is resent, the same
 *   frame: it lands once [DELIVERY-4]. So a send stays pending while the store is away, as
 *   while offline. `recipient_check_unavailable` (the server could not ask whether the
 *   recipient exists) is waited out the same way. `server_shutdown` (a draining node) puts the
 *   send back for the next connection.
 */
export class Outbox {
  private readonly entries = new Map<string, Entry>();
  private open = false;
  /** The size of the current window of sends. */
  private window = 1;
  /** Sent in the current window. */
  private windowSent = 0;
  /** Whether the current window had a `rate_limited` answer. */
  private windowRefused = false;
  private inFlight = 0;
  /** 0: full speed. Otherwise one send at a time, this many ms apart. */
  private spacing = 0;
  private pause: Timer | undefined;
  /** Store failures in a row: the wait before the next resend doubles with each. */
  private storeFailures = 0;

  /** `write` returns false when the frame could not be written (not connected). */
  constructor(private readonly write: (frame: string) => boolean) {}

  add(
    ref: string,
    kind: OutboxKind,
    frame: string,
    options: { waitDelivered: boolean; deliveredTimeoutMs: number | undefined },
    resolve: (accepted: Accepted) => void,
    reject: (error: PostofficeError) => void,
  ): void {
    this.entries.set(ref, {
      kind,
      frame,
      state: "queued",
      paced: false,
      delivered: false,
      ...options,
      resolve,
      reject,
    });
    this.pump();
  }

  /** The connection is ready (rooms rejoined): send what is queued. */
  connected(): void {
    this.open = true;
    this.window = 1;
    this.windowSent = 0;
    this.windowRefused = false;
    this.pump();
  }

  /**
   * The connection dropped: mail without its answer goes back to the queue; a room message or
   * broadcast without its answer rejects (its outcome is unknown).
   */
  disconnected(): void {
    this.open = false;
    this.inFlight = 0;
    clearTimeout(this.pause);
    this.pause = undefined;
    for (const [ref, entry] of this.entries) {
      if (entry.state !== "sent") continue;
      if (entry.kind === "mail") {
        entry.state = "queued";
        continue;
      }
      this.entries.delete(ref);
      entry.reject(
        clientError(
          "closed",
          "outcome_unknown",
          `outcome unknown: the connection closed before the server answered this ${
            entry.kind === "room" ? "room message" : "broadcast"
          }. It may or may not have been sent; it is not sent again, to avoid a duplicate.`,
        ),
      );
    }
  }

  accepted(ref: string, accepted: Accepted): void {
    const entry = this.entries.get(ref);
    if (!entry || entry.state === "accepted") return;
    if (entry.state === "sent") this.inFlight -= 1;
    this.storeFailures = 0;
    entry.state = "accepted";
    entry.accepted = accepted;
    if (!entry.waitDelivered || entry.delivered) {
      this.entries.delete(ref);
      entry.resolve(accepted);
    } else if (entry.deliveredTimeoutMs !== undefined) {
      const ms = entry.deliveredTimeoutMs;
      entry.timer = setTimeout(() => {
        if (this.entries.get(ref) !== entry) return;
        this.entries.delete(ref);
        entry.reject(
          clientError(
            "timeout",
            "delivered_timeout",
            `No "delivered" receipt within ${ms} ms. The mail was accepted (${accepted.id}) and stays in the recipient's mailbox.`,
            { accepted },
          ),
        );
      }, ms);
    }
    this.pump();
  }

  /** A `delivered` (or `read`) receipt about a send; it may come before its `accepted`. */
  delivered(ref: string): void {
    const entry = this.entries.get(ref);
    if (!entry?.waitDelivered) return;
    if (entry.accepted === undefined) {
      entry.delivered = true;
      return;
    }
    this.entries.delete(ref);
    clearTimeout(entry.timer);
    entry.resolve(entry.accepted);
  }

  /** An `error` answer; false when it is about no send of this outbox. */
  failed(ref: string, error: PostofficeError): boolean {
    const entry = this.entries.get(ref);
    if (!entry) return false;
    const wasSent = entry.state === "sent";
    if (wasSent) this.inFlight -= 1;
    const next = wasSent ? onError(entry.kind, error.code) : "reject";
    if (next !== "reject") {
      // In its place: the sends behind it wait for it, and go out after it.
      entry.state = "queued";
      if (error.code === "rate_limited")
        this.slowDown(error.details.retryAfterMs ?? 1000, entry.paced);
      else if (error.code === "server_shutdown")
        this.open = false; // until the next welcome
      else this.backOff();
      return true;
    }
    this.entries.delete(ref);
    clearTimeout(entry.timer);
    entry.reject(error);
    this.pump();
    return true;
  }

  /** The client is closed for good: every pending send rejects. */
  abandon(error: PostofficeError): void {
    this.open = false;
    this.inFlight = 0;
    clearTimeout(this.pause);
    this.pause = undefined;
    for (const [ref, entry] of this.entries) {
      this.entries.delete(ref);
      clearTimeout(entry.timer);
      entry.reject(error);
    }
  }

  private slowDown(retryAfterMs: number, alreadyPaced: boolean): void {
    const wait = Math.max(1, retryAfterMs);
    this.windowRefused = true;
    // A paced send refused: the server needs `spacing + wait` between sends. A quarter more
    // than that (or than the first wait), as sends spaced by exactly the refill time would
    // come a little early about half the time.
    const needed = alreadyPaced ? this.spacing + wait : wait;
    this.spacing = Math.min(MAX_SPACING_MS, Math.max(this.spacing, Math.ceil(needed * 1.25)));
    clearTimeout(this.pause);
    this.pause = setTimeout(() => {
      this.pause = undefined;
      this.pump();
    }, wait);
  }

  /** A store failure: wait, longer after each one in a row, then send one at a time again. */
  private backOff(): void {
    this.windowRefused = true;
    this.storeFailures += 1;
    const ceiling = Math.min(
      STORE_RETRY_MAX_MS,
      STORE_RETRY_FIRST_MS * 2 ** (this.storeFailures - 1),
    );
    clearTimeout(this.pause);
    this.pause = setTimeout(
      () => {
        this.pause = undefined;
        this.pump();
      },
      ceiling / 2 + (Math.random() * ceiling) / 2,
    );
  }

  private pump(): void {
    if (!this.open || this.pause !== undefined || this.inFlight > 0) return;
    // The last window is answered: the next one is twice as large if the last one was full
    // and nothing in it was refused; one send after a refusal.
    if (this.windowRefused) this.window = 1;
    else if (this.windowSent >= this.window) this.window = Math.min(MAX_IN_FLIGHT, this.window * 2);
    this.windowSent = 0;
    this.windowRefused = false;
    const size = this.spacing > 0 ? 1 : this.window;
    for (const entry of this.entries.values()) {
      if (this.windowSent >= size) break;
      if (entry.state !== "queued") continue;
      if (!this.write(entry.frame)) break;
      entry.state = "sent";
      entry.paced = this.spacing > 0;
      this.inFlight += 1;
      this.windowSent += 1;
    }
    if (this.windowSent === 0) {
      // Everything is out and answered: the next sends go at full speed again.
      this.spacing = 0;
    } else if (this.spacing > 0) {
      this.pause = setTimeout(() => {
        this.pause = undefined;
        this.pump();
      }, this.spacing);
    }
  }
}
