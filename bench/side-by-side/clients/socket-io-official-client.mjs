// A client of the Socket.IO peer through the official socket.io-client (`--sio-client
// official`), which parses every packet itself whatever `--parse` says. socket.io-client is a
// devDependency: open-client.mjs imports it only for this kind, so that `postoffice bench`
// runs with the production dependencies alone.
/** @import { ManagerOptions, Socket, SocketOptions, io } from "socket.io-client" */
/** @import { LoadClient, MessageBody } from "./load-client.mjs" */
import { FrameReading, readMessage } from "./frame-reading.mjs";
import { ClientBase } from "./load-client.mjs";

const reading = new FrameReading();

/** @implements {LoadClient} */
export class SocketIoOfficialClient extends ClientBase {
  /** @type {Socket} */
  socket;

  /**
   * @param {typeof io} ioClient
   * @param {string} host
   * @param {string} user
   * @param {string | undefined} localAddress
   * @param {number} timeoutMs
   */
  constructor(ioClient, host, user, localAddress, timeoutMs) {
    super();
    /**
     * `localAddress` goes on to the `ws` WebSocket in Node, which the types do not list.
     * No compression: the peer refuses it (its `perMessageDeflate: false`).
     * @type {Partial<ManagerOptions & SocketOptions> & { localAddress?: string | undefined }}
     */
    const options = {
      transports: ["websocket"],
      auth: { user },
      reconnection: false,
      forceNew: true,
      localAddress,
      timeout: timeoutMs,
    };
    this.socket = ioClient(`http://${host}`, options);
    this.socket.on("welcome", () => this.welcomed?.resolve());
    this.socket.on("message", (/** @type {unknown} */ data) => {
      const kind = readMessage(data, reading);
      if (kind === "room") this.onRoom?.(reading);
      else if (kind === "mail") this.onMail?.(reading);
    });
    this.socket.on("connect_error", (error) => this.failed(error));
    this.socket.on("disconnect", () => this.closedNow());
  }

  /** @param {string} room */
  join(room) {
    return this.joining(() => this.socket.emit("join", room, () => this.pendingJoin?.resolve()));
  }

  /**
   * @param {string} room
   * @param {MessageBody} body
   */
  sendRoom(room, body) {
    this.socket.emit("message", { room, ...body });
  }

  /**
   * @param {string} to
   * @param {number} n
   * @param {MessageBody} body
   */
  sendMail(to, n, body) {
    this.socket.emit("message", { to, ...body }, () => this.onAccepted?.(n));
  }

  /** @param {number} seq */
  ack(seq) {
    this.socket.emit("ack", { seq });
  }

  close() {
    this.socket.io.engine?.close();
    this.socket.disconnect();
  }
}
