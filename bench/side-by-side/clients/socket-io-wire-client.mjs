// A client of the Socket.IO peer that speaks its wire protocol on a plain `ws` WebSocket
// (Engine.IO 4, Socket.IO 5 packets such as `42["message",{…}]`, answering its pings): the
// server sees what socket.io-client would send, and the generator reads and writes the event's
// data object as it does Postoffice's frames (frame-reading.mjs, frame-writing.mjs).
/** @import { ParseMode } from "./frame-reading.mjs" */
/** @import { LoadClient, MessageBody } from "./load-client.mjs" */
import WebSocket from "ws";
import { FrameReading, readMessage } from "./frame-reading.mjs";
import { scanMessage, startsWith } from "./frame-scan.mjs";
import { DataWriter } from "./frame-writing.mjs";
import { ClientBase } from "./load-client.mjs";

const reading = new FrameReading();
/** Acknowledgement ids of joins, apart from the generator's mail numbers. */
const JOIN_ACKS = 1_000_000_000;
const MESSAGE_EVENT = Buffer.from('42["message",');
const WELCOME_EVENT = Buffer.from('42["welcome"');

/** @implements {LoadClient} */
export class SocketIoWireClient extends ClientBase {
  nextAck = JOIN_ACKS;
  #light;
  #writer;

  /**
   * @param {string} host
   * @param {string} user
   * @param {string | undefined} localAddress
   * @param {ParseMode} mode
   */
  constructor(host, user, localAddress, mode) {
    super();
    this.#light = mode === "light";
    this.#writer = new DataWriter(mode);
    this.ws = new WebSocket(`ws://${host}/socket.io/?EIO=4&transport=websocket`, {
      localAddress,
      perMessageDeflate: false,
      skipUTF8Validation: true, // as frame-client.mjs
    });
    this.user = user;
    this.ws.on("message", (data) => this.packet(/** @type {Buffer} */ (data)));
    this.ws.on("error", (error) => this.failed(error));
    this.ws.on("close", () => this.closedNow());
  }

  /** @param {Buffer} bytes */
  packet(bytes) {
    const engine = bytes[0];
    if (engine === 50 /* "2" ping */) {
      this.ws.send("3");
      return;
    }
    if (engine === 48 /* "0" open */) {
      this.ws.send(`40${JSON.stringify({ user: this.user })}`);
      return;
    }
    if (engine !== 52 /* "4" message */) return;
    const type = bytes[1];
    if (type === 50 /* "2" event */) this.event(bytes);
    else if (type === 51 /* "3" ack: 43<id>[…] */) {
      const id = Number(bytes.toString("latin1", 2, bytes.indexOf(91 /* [ */)));
      if (id >= JOIN_ACKS) this.pendingJoin?.resolve();
      else this.onAccepted?.(id);
    } else if (type === 52 /* "4" connect_error */) {
      this.failed(new Error(`connect_error ${bytes.toString("utf8", 2)}`));
    }
  }

  /** @param {Buffer} bytes an event packet, `42[name, data]` */
  event(bytes) {
    const r = reading;
    if (this.#light) {
      if (startsWith(bytes, MESSAGE_EVENT, 0)) {
        const kind = scanMessage(bytes, MESSAGE_EVENT.length, r);
        if (kind === "room") return this.onRoom?.(r);
        if (kind === "mail") return this.onMail?.(r);
      } else if (!startsWith(bytes, WELCOME_EVENT, 0)) return;
    }
    const text = bytes.toString();
    const [name, data] = /** @type {[unknown, unknown]} */ (
      JSON.parse(text.slice(text.indexOf("[")))
    );
    if (name === "welcome") this.welcomed?.resolve();
    if (name !== "message") return;
    const kind = readMessage(data, r);
    if (kind === "room") this.onRoom?.(r);
    else if (kind === "mail") this.onMail?.(r);
  }

  /** @param {string} room */
  join(room) {
    return this.joining(() => this.ws.send(`42${this.nextAck++}${JSON.stringify(["join", room])}`));
  }

  /**
   * @param {string} room
   * @param {MessageBody} body
   */
  sendRoom(room, body) {
    this.ws.send(`42["message",${this.#writer.data("room", room, body)}]`);
  }

  /**
   * @param {string} to
   * @param {number} n
   * @param {MessageBody} body
   */
  sendMail(to, n, body) {
    this.ws.send(`42${n}["message",${this.#writer.data("to", to, body)}]`);
  }

  /** @param {number} seq */
  ack(seq) {
    this.ws.send(`42["ack",{"seq":${seq}}]`);
  }

  close() {
    this.ws.terminate();
  }
}
