// One client connection to any of the three servers, behind the same small interface, so
// that the load generator does the same work for each:
//
//   const c = await openClient(kind, { host, user, localAddress, secret });
//   c.onRoom = (body) => …; c.onMail = (body, seq) => …; c.onEntry = (seq) => …;
//   c.onAccepted = (n) => …; c.onClose = () => …;
//   await c.join(room); c.sendRoom(room, body); c.sendMail(to, n, body); c.ack(seq); c.close();
//
// kind: "postoffice" (JWT in the subprotocol, waits for `welcome`), "ws" (the bare peer,
// `?user=`, waits for `welcome`), "socketio" (the Socket.IO peer over its wire protocol on a
// plain `ws` socket: Engine.IO 4 / Socket.IO 5 packets, the way the server sees any client)
// or "socketio-official" (the same peer through socket.io-client, a devDependency: imported
// only for that kind, so that the other kinds run with production dependencies).
import { createHmac } from "node:crypto";
import WebSocket from "ws";

const OPEN_TIMEOUT_MS = 20_000;

/** socket.io-client, imported the first time a "socketio-official" client opens. */
let socketIoClient;

const b64url = (text) => Buffer.from(text).toString("base64url");

/** An HS256 JWT for `sub`, valid one hour (signed here, without a library, to keep it cheap). */
export function signToken(secret, sub) {
  const now = Math.floor(Date.now() / 1000);
  const head = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(JSON.stringify({ sub, iat: now, exp: now + 3600 }))}`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

class BaseClient {
  onRoom = null;
  onMail = null;
  onEntry = null;
  onAccepted = null;
  onClose = null;
  closed = false;
  errors = 0;
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

  closedNow() {
    if (this.closed) return;
    this.closed = true;
    this.failed(new Error("closed"));
    this.onClose?.();
  }
}

/** Postoffice and the bare ws peer share the frame shapes. */
class FrameClient extends BaseClient {
  constructor(url, protocols, localAddress) {
    super();
    this.ws = new WebSocket(url, protocols, { localAddress, perMessageDeflate: false });
    this.ws.on("message", (data) => this.frame(JSON.parse(data.toString())));
    this.ws.on("error", (error) => this.failed(error));
    this.ws.on("close", () => this.closedNow());
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
        this.errors++;
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
export async function openClient(kind, { host, user, localAddress, secret }) {
  let client;
  if (kind === "postoffice")
    client = new FrameClient(
      `ws://${host}/ws`,
      ["postoffice.v1", `bearer.${signToken(secret, user)}`],
      localAddress,
    );
  else if (kind === "ws")
    client = new FrameClient(
      `ws://${host}/ws?user=${encodeURIComponent(user)}`,
      undefined,
      localAddress,
    );
  else if (kind === "socketio") client = new SocketIoWireClient(host, user, localAddress);
  else if (kind === "socketio-official") {
    socketIoClient ??= import("socket.io-client");
    client = new SocketIoOfficialClient((await socketIoClient).io, host, user, localAddress);
  }
  else throw new Error(`unknown client kind ${kind}`);
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
