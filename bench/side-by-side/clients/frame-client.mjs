// A client of Postoffice or of the bare ws peer, which share the frame shapes: JSON frames on
// a `ws` WebSocket, read and written as `--parse` says (frame-reading.mjs, frame-writing.mjs).
/** @import { IncomingMessage } from "node:http" */
/** @import { ParseMode } from "./frame-reading.mjs" */
/** @import { LoadClient, MessageBody } from "./load-client.mjs" */
import WebSocket from "ws";
import { unreachable } from "../../lib.mjs";
import { FrameReading, readFrame } from "./frame-reading.mjs";
import { scanFrame } from "./frame-scan.mjs";
import { DataWriter } from "./frame-writing.mjs";
import { ClientBase } from "./load-client.mjs";

/** One reading for all the frames of this process: each is read and used in one call. */
const reading = new FrameReading();

/** @implements {LoadClient} */
export class FrameClient extends ClientBase {
  #light;
  #writer;
  #guests;

  /**
   * @param {string} url
   * @param {string[] | undefined} protocols
   * @param {string | undefined} localAddress
   * @param {ParseMode} mode
   * @param {boolean} [guests] the users are Postoffice guests (anonymous mode), whose user ids
   *   are `~name`: mail to one goes to `~name`
   */
  constructor(url, protocols, localAddress, mode, guests = false) {
    super();
    this.#guests = guests;
    this.#light = mode === "light";
    this.#writer = new DataWriter(mode);
    // No UTF-8 check of each frame: a load tool reads the bytes it needs, as frame-scan.mjs.
    this.ws = new WebSocket(url, protocols, {
      localAddress,
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    // A text message arrives as one Buffer (binaryType "nodebuffer").
    this.ws.on("message", (data) => this.frame(/** @type {Buffer} */ (data)));
    this.ws.on("error", (error) => this.failed(error));
    this.ws.on("close", (code, reason) => this.closedNow(code, reason.toString()));
    this.ws.on("unexpected-response", (_req, res) => this.refusedUpgrade(res));
  }

  /**
   * An upgrade refused in HTTP: Postoffice says why in a JSON body `{"error":{"code"}}`.
   * @param {IncomingMessage} res
   */
  refusedUpgrade(res) {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (chunk) => {
      if (text.length < 4096) text += chunk;
    });
    res.on("end", () => {
      let code = "";
      try {
        code = JSON.parse(text)?.error?.code ?? "";
      } catch {
        // not JSON: the status alone says it
      }
      this.failed(new Error(`HTTP ${res.statusCode} ${code}`.trim()));
      this.ws.terminate(); // aborts the handshake: `error` (already told) and `close`
    });
  }

  /** @param {Buffer} bytes */
  frame(bytes) {
    const r = reading;
    let kind = this.#light ? scanFrame(bytes, r) : "unread";
    if (kind === "unread") kind = readFrame(JSON.parse(bytes.toString()), r);
    switch (kind) {
      case "room":
        this.onRoom?.(r);
        return;
      case "mail":
        this.onMail?.(r);
        return;
      case "accepted":
        if (r.ref !== undefined) this.onAccepted?.(r.ref);
        return;
      case "entry":
        if (r.seq !== undefined) this.onEntry?.(r.seq);
        return;
      case "welcome":
        this.welcomed?.resolve();
        return;
      case "joined":
        this.pendingJoin?.resolve();
        return;
      case "error":
        this.onError?.(r.code);
        if (r.refText === "j") this.pendingJoin?.reject(new Error(r.code));
        return;
      case "other":
        return;
      default:
        unreachable(kind);
    }
  }

  /** @param {string} room */
  join(room) {
    return this.joining(() =>
      this.ws.send(JSON.stringify({ type: "join", id: "j", data: { room } })),
    );
  }

  /**
   * @param {string} room
   * @param {MessageBody} body
   */
  sendRoom(room, body) {
    this.ws.send(`{"type":"message","data":${this.#writer.data("room", room, body)}}`);
  }

  /**
   * A declared event to a room (Postoffice only), its payload the body.
   * @param {string} event
   * @param {string} room
   * @param {MessageBody} body
   */
  sendEvent(event, room, body) {
    this.ws.send(`{"type":"event","data":${this.#writer.event(event, room, body)}}`);
  }

  /**
   * @param {string} to
   * @param {number} n
   * @param {MessageBody} body
   */
  sendMail(to, n, body) {
    const recipient = this.#guests ? `~${to}` : to;
    this.ws.send(
      `{"type":"message","id":"${n}","data":${this.#writer.data("to", recipient, body)}}`,
    );
  }

  /** @param {number} seq */
  ack(seq) {
    this.ws.send(`{"type":"ack","data":{"seq":${seq}}}`);
  }

  close() {
    this.ws.terminate();
  }
}
