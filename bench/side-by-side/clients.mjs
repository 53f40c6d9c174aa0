// One client connection to any of the three servers, behind the same small interface, so
// that the load generator does the same work for each:
//
//   const c = await openClient(kind, { host, url, user, localAddress, secret });
//   c.onRoom = (body) => …; c.onMail = (body, seq) => …; c.onEntry = (seq) => …;
//   c.onAccepted = (n) => …; c.onError = (code) => …; c.onClose = (code, reason) => …;
//   await c.join(room); c.sendRoom(room, body); c.sendMail(to, n, body); c.ack(seq); c.close();
//
// kind: "postoffice" (a JWT signed with `secret` in the subprotocol, waits for `welcome`),
// "postoffice-anonymous" (a server in anonymous mode: `?client_id=USER`, no token), "ws" (the
// bare peer, `?user=`, waits for `welcome`), "socketio" (the Socket.IO peer over its wire
// protocol on a plain `ws` socket: Engine.IO 4 / Socket.IO 5 packets, the way the server sees
// any client) or "socketio-official" (the same peer through socket.io-client, a devDependency:
// imported only for that kind, so that `postoffice bench` runs with production dependencies).
// `url` is Postoffice's WebSocket URL (default `ws://HOST/ws`).
//
// A refused connection rejects with what the server said: `HTTP 503 too_many_connections`
// (an upgrade refused in HTTP, with the code of its JSON body) or `close 4401 …` (closed
// before `welcome`).
import WebSocket from "ws";
import { signToken } from "../lib.mjs";

const OPEN_TIMEOUT_MS = 20_000;

/** socket.io-client, imported the first time a "socketio-official" client opens. */
let socketIoClient;

class BaseClient {
  onRoom = null;
  onMail = null;
  onEntry = null;
  onAccepted = null;
  onError = null;
  onClose = null;
  closed = false;
  pendingJoin = null;
  welcomed = null;

  constructor() {
    this.welcome = new Promise((resolve, reject) => {
      this.welcomed = { resolve, reject };
    });
  }

  failed(error) {
    this.welcomed?.reject(error);
    this.pendingJoin?.reject(error);
  }

  closedNow(code, reason) {
    if (this.closed) return;
    this.closed = true;
    this.failed(new Error(code === undefined ? "closed" : `close ${code} ${reason ?? ""}`.trim()));
    this.onClose?.(code, reason);
  }
}

/** Postoffice and the bare ws peer share the frame shapes. */
class FrameClient extends BaseClient {
  constructor(url, protocols, localAddress) {
    super();
    this.ws = new WebSocket(url, protocols, { localAddress, perMessageDeflate: false });
    this.ws.on("message", (data) => this.frame(JSON.parse(data.toString())));
    this.ws.on("error", (error) => this.failed(error));
    this.ws.on("close", (code, reason) => this.closedNow(code, reason.toString()));
    this.ws.on("unexpected-response", (req, res) => this.refusedUpgrade(req, res));
  }

  /** An upgrade refused in HTTP: Postoffice says why in a JSON body `{"error":{"code"}}`. */
  refusedUpgrade(_req, res) {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (chunk) => {
      if (text.length < 4096) text += chunk;
    });
    res.on("end", () => {
      let code = "";
      try {
        code = JSON.parse(text)?.error?.code ?? "";
      } catch {}
      this.failed(new Error(`HTTP ${res.statusCode} ${code}`.trim()));
      this.ws.terminate(); // aborts the handshake: `error` (already told) and `close`
    });
  }

  frame(f) {
    const data = f.data;
    switch (f.type) {
      case "message":
        if (data.room !== undefined) this.onRoom?.(data.body);
        else this.onMail?.(data.body, data.seq);
        return;
      case "receipt":
        if (data.status === "accepted") {
          if (f.ref !== undefined) this.onAccepted?.(Number(f.ref));
        } else if (data.seq !== undefined) this.onEntry?.(data.seq);
        return;
      case "welcome":
        this.welcomed.resolve();
        return;
      case "joined":
        this.pendingJoin?.resolve();
        return;
      case "error":
        this.onError?.(f.data?.code ?? "error");
        if (this.pendingJoin !== null && f.ref === "j")
          this.pendingJoin.reject(new Error(f.data.code));
        return;
      default:
    }
  }

  join(room) {
    return new Promise((resolve, reject) => {
      this.pendingJoin = { resolve, reject };
      this.ws.send(JSON.stringify({ type: "join", id: "j", data: { room } }));
    }).finally(() => {
      this.pendingJoin = null;
    });
  }

  sendRoom(room, body) {
    this.ws.send(JSON.stringify({ type: "message", data: { room, ...body } }));
  }

  sendMail(to, n, body) {
    this.ws.send(JSON.stringify({ type: "message", id: String(n), data: { to, ...body } }));
  }

  ack(seq) {
    this.ws.send(JSON.stringify({ type: "ack", data: { seq } }));
  }

  close() {
    this.ws.terminate();
  }
}

/** Socket.IO over its wire protocol on a plain WebSocket (Engine.IO v4, Socket.IO v5). */
class SocketIoWireClient extends BaseClient {
  nextAck = 1_000_000_000; // join acks, apart from the generator's mail numbers
  constructor(host, user, localAddress) {
    super();
    this.ws = new WebSocket(`ws://${host}/socket.io/?EIO=4&transport=websocket`, {
      localAddress,
      perMessageDeflate: false,
    });
    this.user = user;
    this.ws.on("message", (data) => this.packet(data.toString()));
    this.ws.on("error", (error) => this.failed(error));
    this.ws.on("close", () => this.closedNow());
  }

  packet(s) {
    const engine = s.charCodeAt(0);
    if (engine === 50 /* "2" ping */) {
      this.ws.send("3");
      return;
    }
    if (engine === 48 /* "0" open */) {
      this.ws.send(`40${JSON.stringify({ user: this.user })}`);
      return;
    }
    if (engine !== 52 /* "4" message */) return;
    const type = s.charCodeAt(1);
    if (type === 50 /* "2" event */) {
      const start = s.indexOf("[");
      const [name, data] = JSON.parse(s.slice(start));
      if (name === "message") {
        if (data.room !== undefined) this.onRoom?.(data.body);
        else this.onMail?.(data.body, undefined);
      } else if (name === "welcome") this.welcomed.resolve();
    } else if (type === 51 /* "3" ack */) {
      const start = s.indexOf("[");
      const id = Number(s.slice(2, start));
      if (id >= 1_000_000_000) this.pendingJoin?.resolve();
      else this.onAccepted?.(id);
    } else if (type === 52 /* "4" connect_error */) {
      this.failed(new Error(`connect_error ${s.slice(2)}`));
    }
  }

  join(room) {
    return new Promise((resolve, reject) => {
      this.pendingJoin = { resolve, reject };
      this.ws.send(`42${this.nextAck++}${JSON.stringify(["join", room])}`);
    }).finally(() => {
      this.pendingJoin = null;
    });
  }

  sendRoom(room, body) {
    this.ws.send(`42${JSON.stringify(["message", { room, ...body }])}`);
  }

  sendMail(to, n, body) {
    this.ws.send(`42${n}${JSON.stringify(["message", { to, ...body }])}`);
  }

  ack(seq) {
    this.ws.send(`42${JSON.stringify(["ack", { seq }])}`);
  }

  close() {
    this.ws.terminate();
  }
}

/** The same, through the official socket.io-client (its `io`, imported by openClient). */
class SocketIoOfficialClient extends BaseClient {
  constructor(ioClient, host, user, localAddress) {
    super();
    this.socket = ioClient(`http://${host}`, {
      transports: ["websocket"],
      auth: { user },
      reconnection: false,
      forceNew: true,
      perMessageDeflate: false,
      localAddress,
      timeout: OPEN_TIMEOUT_MS,
    });
    this.socket.on("welcome", () => this.welcomed.resolve());
    this.socket.on("message", (data) => {
      if (data.room !== undefined) this.onRoom?.(data.body);
      else this.onMail?.(data.body, undefined);
    });
    this.socket.on("connect_error", (error) => this.failed(error));
    this.socket.on("disconnect", () => this.closedNow());
  }

  join(room) {
    return new Promise((resolve, reject) => {
      this.pendingJoin = { resolve, reject };
      this.socket.emit("join", room, () => resolve());
    }).finally(() => {
      this.pendingJoin = null;
    });
  }

  sendRoom(room, body) {
    this.socket.emit("message", { room, ...body });
  }

  sendMail(to, n, body) {
    this.socket.emit("message", { to, ...body }, () => this.onAccepted?.(n));
  }

  ack(seq) {
    this.socket.emit("ack", { seq });
  }

  close() {
    this.socket.io.engine?.close();
    this.socket.disconnect();
  }
}

/** Opens one connection and resolves once the server has welcomed it (authenticated). */
export async function openClient(kind, { host, url, user, localAddress, secret }) {
  let client;
  const postoffice = url ?? `ws://${host}/ws`;
  if (kind === "postoffice")
    client = new FrameClient(
      postoffice,
      ["postoffice.v1", `bearer.${signToken(secret, user)}`],
      localAddress,
    );
  else if (kind === "postoffice-anonymous") {
    const anonymous = new URL(postoffice);
    anonymous.searchParams.set("client_id", user);
    client = new FrameClient(anonymous.toString(), ["postoffice.v1"], localAddress);
  } else if (kind === "ws")
    client = new FrameClient(
      `ws://${host}/ws?user=${encodeURIComponent(user)}`,
      undefined,
      localAddress,
    );
  else if (kind === "socketio") client = new SocketIoWireClient(host, user, localAddress);
  else if (kind === "socketio-official") {
    socketIoClient ??= import("socket.io-client");
    client = new SocketIoOfficialClient((await socketIoClient).io, host, user, localAddress);
  } else throw new Error(`unknown client kind ${kind}`);
  let timer;
  try {
    await Promise.race([
      client.welcome,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("no welcome in time")), OPEN_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    client.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return client;
}
