#!/usr/bin/env node
// The bare `ws` reference peer of the side-by-side benchmark: the same job as Postoffice
// (rooms, direct messages to a user, an `accepted` receipt) with none of its features (no
// authentication, mailboxes, acknowledgements, limits, presence or metrics). It speaks
// Postoffice's frame shapes so that the load generator treats both alike.
//
//   node bench/peers/ws-server.mjs --port 9001 [--host 127.0.0.1]
//
// ws://HOST:PORT/ws?user=NAME   anyone is let in, as NAME
// GET /stats                     process.memoryUsage() as JSON
/** @import { WebSocket } from "ws" */
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { WebSocketServer } from "ws";

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
  res.statusCode = 404;
  res.end();
});
const wss = new WebSocketServer({ server: http, path: "/ws", perMessageDeflate: false });

/**
 * user → open sockets of that user; room → member sockets.
 * @type {Map<string, Set<WebSocket>>}
 */
const users = new Map();
/** @type {Map<string, Set<WebSocket>>} */
const rooms = new Map();

/**
 * @param {Map<string, Set<WebSocket>>} map
 * @param {string} key
 * @param {WebSocket} ws
 */
function addTo(map, key, ws) {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(ws);
}

/**
 * @param {Map<string, Set<WebSocket>>} map
 * @param {string} key
 * @param {WebSocket} ws
 */
function removeFrom(map, key, ws) {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(ws);
  if (set.size === 0) map.delete(key);
}

wss.on("connection", (ws, req) => {
  const user = new URL(req.url ?? "/", "http://peer").searchParams.get("user") ?? "anonymous";
  const joined = new Set();
  addTo(users, user, ws);
  ws.send(JSON.stringify({ type: "welcome", data: { user } }));

  ws.on("message", (data) => {
    let frame;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return;
    }
    const body = frame?.data;
    if (frame?.type === "message" && body !== null && typeof body === "object") {
      if (typeof body.room === "string") {
        const { room, ...rest } = body;
        const out = JSON.stringify({ type: "message", data: { room, from: user, body: rest } });
        for (const member of rooms.get(room) ?? []) member.send(out);
        if (frame.id !== undefined)
          ws.send(JSON.stringify({ type: "receipt", ref: frame.id, data: { status: "accepted" } }));
      } else if (typeof body.to === "string") {
        const { to, ...rest } = body;
        const out = JSON.stringify({ type: "message", data: { from: user, to, body: rest } });
        for (const target of users.get(to) ?? []) target.send(out);
        if (frame.id !== undefined)
          ws.send(JSON.stringify({ type: "receipt", ref: frame.id, data: { status: "accepted" } }));
      }
    } else if (frame?.type === "join" && typeof body?.room === "string") {
      addTo(rooms, body.room, ws);
      joined.add(body.room);
      ws.send(JSON.stringify({ type: "joined", ref: frame.id, data: { room: body.room } }));
    }
    // `ack` and anything else: nothing to do.
  });

  ws.on("close", () => {
    removeFrom(users, user, ws);
    for (const room of joined) removeFrom(rooms, room, ws);
  });
  ws.on("error", () => {});
});

// SIGTERM: the server closes every connection first (close handshake, then the server ends
// the TCP connection, so TIME_WAIT stays on the server's side), then exits.
process.once("SIGTERM", () => {
  http.close();
  for (const ws of wss.clients) ws.close(1001, "going away");
  const exit = () => process.exit(0);
  const timer = setTimeout(exit, 5000);
  timer.unref();
  const poll = setInterval(() => {
    if (wss.clients.size === 0) exit();
  }, 50);
  poll.unref();
});

http.listen(Number(args.port), args.host, () => {
  const address = http.address();
  console.log(
    `ws peer ready on ${args.host}:${typeof address === "object" ? address?.port : address}`,
  );
});
