// What every client connection of a load generator offers, whichever server it talks to:
//
//   c.onRoom = (r) => …   a room message: r.n, r.time()
//   c.onMail = (r) => …   a mail: r.time(), r.seq (Postoffice's mailbox sequence, if any)
//   c.onEntry = (seq) => …   another mailbox entry (a `delivered` receipt)
//   c.onAccepted = (n) => …   the `accepted` receipt of mail number n
//   c.onError = (code) => …;  c.onClose = (code, reason) => …
//   await c.join(room); c.sendRoom(room, body); c.sendMail(to, n, body); c.ack(seq); c.close();
//   c.sendEvent?.(event, room, body)   a declared event to a room (Postoffice's clients only)
//
// The FrameReading given to onRoom and onMail is reused: read it during the call.
/** @import { FrameReading } from "./frame-reading.mjs" */

/**
 * A message body: its number, when it was sent (ms, `performance.timeOrigin + now()`) and
 * padding to the size asked for.
 * @typedef {{ n: number, t: number, text: string }} MessageBody
 */

/**
 * How a generator talks to a server: "postoffice" (a JWT in the subprotocol),
 * "postoffice-anonymous" (`?client_id=`), "ws" (the bare peer), "socketio" (the Socket.IO
 * peer over its wire protocol) or "socketio-official" (through socket.io-client).
 * @typedef {"postoffice" | "postoffice-anonymous" | "ws" | "socketio" | "socketio-official"} ClientKind
 */

/** @typedef {{ resolve: () => void, reject: (error: Error) => void }} Waiter */

/**
 * One connection of a load generator, to any of the servers.
 * @typedef {object} LoadClient
 * @property {((r: FrameReading) => void) | null} onRoom
 * @property {((r: FrameReading) => void) | null} onMail
 * @property {((seq: number) => void) | null} onEntry
 * @property {((n: number) => void) | null} onAccepted
 * @property {((code: string) => void) | null} onError
 * @property {((code?: number, reason?: string) => void) | null} onClose
 * @property {boolean} closed
 * @property {Promise<void>} welcome settles once the server has welcomed it (or refused it)
 * @property {(room: string) => Promise<void>} join
 * @property {(room: string, body: MessageBody) => void} sendRoom
 * @property {(event: string, room: string, body: MessageBody) => void} [sendEvent] a declared
 *   event whose notice to the room carries the body (Postoffice only)
 * @property {(to: string, n: number, body: MessageBody) => void} sendMail `n`: the mail's
 *   number, its frame id, answered in its `accepted` receipt
 * @property {(seq: number) => void} ack
 * @property {() => void} close
 */

/** The callbacks and the welcome and join handshakes that all clients share. */
export class ClientBase {
  /** @type {((r: FrameReading) => void) | null} */
  onRoom = null;
  /** @type {((r: FrameReading) => void) | null} */
  onMail = null;
  /** @type {((seq: number) => void) | null} */
  onEntry = null;
  /** @type {((n: number) => void) | null} */
  onAccepted = null;
  /** @type {((code: string) => void) | null} */
  onError = null;
  /** @type {((code?: number, reason?: string) => void) | null} */
  onClose = null;
  closed = false;
  /** @type {Waiter | null} */
  pendingJoin = null;
  /** @type {Waiter | null} */
  welcomed = null;
  welcome;

  constructor() {
    /** @type {Promise<void>} */
    const welcome = new Promise((resolve, reject) => {
      this.welcomed = { resolve: () => resolve(), reject };
    });
    this.welcome = welcome;
  }

  /** @param {Error} error */
  failed(error) {
    this.welcomed?.reject(error);
    this.pendingJoin?.reject(error);
  }

  /**
   * @param {number} [code]
   * @param {string} [reason]
   */
  closedNow(code, reason) {
    if (this.closed) return;
    this.closed = true;
    this.failed(new Error(code === undefined ? "closed" : `close ${code} ${reason ?? ""}`.trim()));
    this.onClose?.(code, reason);
  }

  /**
   * Sends a join and waits until the server's answer settles pendingJoin.
   * @param {() => void} send
   */
  joining(send) {
    /** @type {Promise<void>} */
    const joined = new Promise((resolve, reject) => {
      this.pendingJoin = { resolve: () => resolve(), reject };
      send();
    });
    return joined.finally(() => {
      this.pendingJoin = null;
    });
  }
}
