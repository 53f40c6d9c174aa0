import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { Sender, WebSocket, WebSocketServer } from "ws";
import { frameText, PreparedFrame, writeFrame } from "../../src/server/wire/prepared-frame.js";
import { until } from "../support/until.js";

interface Pair {
  server: WebSocket;
  socket: Duplex;
  client: WebSocket;
}

const servers: WebSocketServer[] = [];
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A ws server connection with its raw socket, and a ws client connected to it. */
async function pair(perMessageDeflate: boolean | { threshold: number } = false): Promise<Pair> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate });
  servers.push(wss);
  await new Promise((resolve) => wss.once("listening", resolve));
  const { port } = wss.address() as AddressInfo;
  const accepted = new Promise<{ server: WebSocket; socket: Duplex }>((resolve) =>
    wss.once("connection", (server, request) => resolve({ server, socket: request.socket })),
  );
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate });
  clients.push(client);
  await new Promise((resolve, reject) => {
    client.once("open", resolve);
    client.once("error", reject);
  });
  return { ...(await accepted), client };
}

/** Everything the client sees, in order: text messages, pings, and the close. */
function record(client: WebSocket): string[] {
  const seen: string[] = [];
  client.on("message", (data, binary) => seen.push(binary ? "binary" : String(data)));
  client.on("ping", () => seen.push("(ping)"));
  client.on("close", (code) => seen.push(`(close ${code})`));
  return seen;
}

describe("frameText", () => {
  it("is the frame ws.send would write, for each length class of the header", () => {
    for (const text of ["", "hé ☃", "x".repeat(125), "y".repeat(126), "z".repeat(70_000)]) {
      const bytes = frameText(text);
      const payload = Buffer.from(text);
      expect(bytes[0]).toBe(0x81); // FIN + text opcode, no RSV1 (not compressed)
      expect(bytes[1] && bytes[1] & 0x80).toBe(0); // unmasked
      expect(bytes.subarray(bytes.length - payload.length).equals(payload)).toBe(true);
      const header = bytes.length - payload.length;
      expect(header).toBe(payload.length < 126 ? 2 : payload.length < 65_536 ? 4 : 10);
      const byWs = Sender.frame(payload, {
        fin: true,
        opcode: 1,
        mask: false,
        readOnly: true,
        rsv1: false,
      });
      expect(bytes.equals(Buffer.concat(byWs))).toBe(true);
    }
  });

  it("builds a prepared frame's bytes once, however many sockets it is written to", () => {
    const frame = new PreparedFrame('{"type":"message"}');
    expect(frame.bytes).toBe(frame.bytes);
  });
});

describe("writeFrame", () => {
  it("delivers the same prepared bytes to several clients, as text messages", async () => {
    const pairs = await Promise.all([pair(), pair(), pair()]);
    const seen = pairs.map(({ client }) => record(client));
    const frame = new PreparedFrame(JSON.stringify({ type: "message", data: { text: "hé" } }));
    for (const { server, socket } of pairs) expect(writeFrame(server, socket, frame)).toBe(true);
    await until(() => seen.every((s) => s.length === 1));
    for (const s of seen) expect(s).toEqual([frame.text]);
  });

  it("keeps its order with ws's own frames: sends, pings and the close frame", async () => {
    const { server, socket, client } = await pair();
    const seen = record(client);
    writeFrame(server, socket, new PreparedFrame("one"));
    server.ping();
    writeFrame(server, socket, "two");
    server.send("three"); // ws's own path, between two of ours
    writeFrame(server, socket, new PreparedFrame("four"));
    server.close(1000);
    await until(() => seen.includes("(close 1000)"));
    expect(seen).toEqual(["one", "(ping)", "two", "three", "four", "(close 1000)"]);
  });

  it("keeps that order inside a corked socket (the write batcher)", async () => {
    const { server, socket, client } = await pair();
    const seen = record(client);
    socket.cork();
    writeFrame(server, socket, "a");
    server.ping();
    writeFrame(server, socket, new PreparedFrame("b"));
    expect(seen).toEqual([]);
    socket.uncork();
    await until(() => seen.length === 3);
    expect(seen).toEqual(["a", "(ping)", "b"]);
  });

  it("writes nothing once the connection is closing", async () => {
    const { server, socket, client } = await pair();
    const seen = record(client);
    server.close(4000, "bye");
    expect(writeFrame(server, socket, new PreparedFrame("late"))).toBe(false);
    expect(writeFrame(server, socket, "late too")).toBe(false);
    await until(() => seen.includes("(close 4000)"));
    expect(seen).toEqual(["(close 4000)"]);
  });

  it("counts what it wrote in ws.bufferedAmount while the client does not read", async () => {
    const { server, socket, client } = await pair();
    client.pause(); // the client stops reading: the server's buffers fill
    const frame = new PreparedFrame("x".repeat(64 * 1024));
    let written = 0;
    for (let i = 0; i < 200 && server.bufferedAmount === 0; i++) {
      writeFrame(server, socket, frame);
      written += frame.bytes.length;
    }
    for (let i = 0; i < 200; i++) {
      writeFrame(server, socket, frame);
      written += frame.bytes.length;
    }
    expect(server.bufferedAmount).toBeGreaterThan(1024 * 1024);
    expect(server.bufferedAmount).toBeLessThanOrEqual(written);
    expect(server.bufferedAmount).toBe(socket.writableLength);
    const seen = record(client);
    client.resume();
    await until(() => seen.length === written / frame.bytes.length);
    expect(server.bufferedAmount).toBe(0);
  });

  it("goes through ws.send where compression was negotiated", async () => {
    const { server, socket, client } = await pair({ threshold: 0 });
    expect(server.extensions).toContain("permessage-deflate");
    const seen = record(client);
    writeFrame(server, socket, new PreparedFrame("compressed one"));
    server.ping();
    writeFrame(server, socket, "compressed two");
    await until(() => seen.length === 3);
    // ws queues a ping behind a message being deflated, so the order holds here too.
    expect(seen).toEqual(["compressed one", "(ping)", "compressed two"]);
  });
});
