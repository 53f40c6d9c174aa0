#!/usr/bin/env node
// The Socket.IO 4.8 reference peer of the side-by-side benchmark: the same job as Postoffice
// (rooms, direct messages to a user, an `accepted` answer through Socket.IO's acknowledgement
// callback), written the way a Socket.IO application usually is, with no authentication,
// mailboxes or limits. WebSocket transport only (no HTTP long-polling), no compression.
//
//   node bench/peers/socketio-server.mjs --port 9002 [--host 127.0.0.1]
//
// Events from clients:  join(room, ack) · message({room | to, ...body}, ack) · ack({seq})
// Events to clients:    welcome({user}) · message({room?, from, to?, body})
// The user is the handshake's `auth.user` (or `?user=`); anyone is let in.
// GET /stats             process.memoryUsage() as JSON
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Server } from "socket.io";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
  },
});

const http = createServer((req, res) => {
  if (req.url === "/stats") {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(process.memoryUsage()));
    return;
  }
  // Socket.IO answers its own path (/socket.io/) before this handler is reached.
  res.statusCode = 404;
  res.end();
});
const io = new Server(http, {
  transports: ["websocket"],
  serveClient: false,
  perMessageDeflate: false,
});

/** user → that user's sockets (direct messages go straight to them). */
const users = new Map();

io.on("connection", (socket) => {
  const user = String(socket.handshake.auth?.user ?? socket.handshake.query.user ?? "anonymous");
  let own = users.get(user);
  if (own === undefined) {
    own = new Set();
    users.set(user, own);
  }
  own.add(socket);
  socket.emit("welcome", { user });

  socket.on("join", (room, ack) => {
    if (typeof room !== "string") return;
    socket.join(room);
    if (typeof ack === "function") ack({ room });
  });

  socket.on("message", (data, ack) => {
    if (data === null || typeof data !== "object") return;
    if (typeof data.room === "string") {
      const { room, ...body } = data;
      io.to(room).emit("message", { room, from: user, body });
    } else if (typeof data.to === "string") {
      const { to, ...body } = data;
      for (const target of users.get(to) ?? []) target.emit("message", { from: user, to, body });
    } else return;
    if (typeof ack === "function") ack({ status: "accepted" });
  });

  socket.on("ack", () => {});

  socket.on("disconnect", () => {
    own.delete(socket);
    if (own.size === 0) users.delete(user);
  });
});

// SIGTERM: the server closes every connection first, then exits.
process.once("SIGTERM", () => {
  const exit = () => process.exit(0);
  const timer = setTimeout(exit, 5000);
  timer.unref();
  io.disconnectSockets(true);
  io.close(() => exit()).catch(exit);
});

http.listen(Number(args.port), args.host, () => {
  const address = http.address();
  console.log(
    `socket.io peer ready on ${args.host}:${typeof address === "object" ? address?.port : address}`,
  );
});
