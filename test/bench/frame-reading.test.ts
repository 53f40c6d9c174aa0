import { afterAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { SECRET } from "../../bench/lib.mjs";
import {
  FrameReading,
  readFrame,
  readMessage,
} from "../../bench/side-by-side/clients/frame-reading.mjs";
import { scanFrame, scanMessage } from "../../bench/side-by-side/clients/frame-scan.mjs";
import { DataWriter } from "../../bench/side-by-side/clients/frame-writing.mjs";
import type { LoadClient } from "../../bench/side-by-side/clients/load-client.mjs";
import { openClient } from "../../bench/side-by-side/clients/open-client.mjs";
import { type BenchServer, startServer } from "../../bench/side-by-side/servers.mjs";

/** Where a Socket.IO event's data object starts: after `42["message",`. */
const EVENT_DATA = '42["message",'.length;

/** The fields a generator uses, for each kind of frame. */
function fieldsOf(kind: string, r: FrameReading): unknown {
  switch (kind) {
    case "room":
      return { n: r.n, t: r.time() };
    case "mail":
      return { n: r.n, t: r.time(), seq: r.seq };
    case "accepted":
      return { ref: r.ref };
    case "entry":
      return { seq: r.seq };
    default:
      return {};
  }
}

/** A Postoffice or bare-peer frame, read both ways: the light kind ("unread" if not scanned). */
function compareFrame(text: string): { light: string; full: string } {
  const light = new FrameReading();
  const full = new FrameReading();
  const lightKind = scanFrame(Buffer.from(text), light);
  const fullKind = readFrame(JSON.parse(text), full);
  if (lightKind !== "unread") {
    expect(lightKind, text).toBe(fullKind);
    expect(fieldsOf(lightKind, light), text).toEqual(fieldsOf(fullKind, full));
  }
  return { light: lightKind, full: fullKind };
}

/** A Socket.IO `message` event, read both ways. */
function compareEvent(text: string): { light: string; full: string } {
  const light = new FrameReading();
  const full = new FrameReading();
  const lightKind = scanMessage(Buffer.from(text), EVENT_DATA, light);
  const [, data] = JSON.parse(text.slice(2)) as [string, unknown];
  const fullKind = readMessage(data, full);
  if (lightKind !== "unread") {
    expect(lightKind, text).toBe(fullKind);
    expect(fieldsOf(lightKind, light), text).toEqual(fieldsOf(fullKind, full));
  }
  return { light: lightKind, full: fullKind };
}

const HOT = ["room", "mail", "accepted", "entry"];

describe("the load generators' light frame reading", () => {
  it("reads what JSON.parse reads from sample frames of each server", () => {
    const body = '{"n":41,"t":1796671653377.1234,"text":"xxxx"}';
    const samples: Array<[string, string]> = [
      // Postoffice
      [
        `{"type":"message","data":{"id":"51af","room":"bench-1","from":"a-publisher","ts":1796671653377,"body":${body},"seq":9}}`,
        "room",
      ],
      [
        `{"type":"message","data":{"id":"d654","seq":12,"from":"a-a-0","to":"a-b-0","ts":1796671653377,"body":${body}}}`,
        "mail",
      ],
      [
        `{"type":"receipt","ref":"7","data":{"status":"accepted","id":"d654","to":"a-b-0","ts":1796671653377}}`,
        "accepted",
      ],
      [
        `{"type":"receipt","data":{"status":"accepted","id":"51af","room":"bench-1","ts":1796671653377}}`,
        "accepted",
      ],
      [
        `{"type":"receipt","ref":"7","data":{"status":"delivered","id":"d654","to":"a-b-0","ts":1796671653677,"seq":13}}`,
        "entry",
      ],
      // A mail whose sequence follows its body, a timestamp with an exponent, a sender with quotes.
      [
        `{"type":"message","data":{"from":"say \\"hi\\"","to":"b","body":{"n":123456789012345,"t":1.5e+12,"text":"x"},"seq":3}}`,
        "mail",
      ],
      // The bare ws peer
      [`{"type":"message","data":{"room":"bench-1","from":"a-publisher","body":${body}}}`, "room"],
      [`{"type":"message","data":{"from":"a-a-0","to":"a-b-0","body":${body}}}`, "mail"],
      [`{"type":"receipt","ref":"3","data":{"status":"accepted"}}`, "accepted"],
      // A ref with leading zeros (Number reads it too), a receipt with nothing to act on.
      [`{"type":"receipt","ref":"007","data":{"status":"accepted"}}`, "accepted"],
      [`{"type":"receipt","data":{"status":"read","id":"d654"}}`, "other"],
    ];
    for (const [text, kind] of samples)
      expect(compareFrame(text)).toEqual({ light: kind, full: kind });

    // Frames the scan leaves to the full reading: rare ones, and a ref that is not a number.
    for (const text of [
      '{"type":"welcome","data":{"user":"ann"}}',
      '{"type":"joined","ref":"j","data":{"room":"r"}}',
      '{"type":"error","ref":"j","data":{"code":"room_full"}}',
      '{"type":"presence","data":{"room":"r","event":"join","user":"bob"}}',
      '{"type":"receipt","ref":"abc","data":{"status":"accepted"}}',
      '{"type":"receipt","ref":7,"data":{"status":"accepted"}}',
      `{"type":"message","data":{"to":"b","body":{"n":1,"t":2},"seq":1.5}}`,
      `{"type":"message","data":{"to":"b","body":{"n":-1,"t":2}}}`,
      '{"data":{"room":"r","body":{"n":1,"t":2}},"type":"message"}',
    ])
      expect(compareFrame(text).light).toBe("unread");

    // Socket.IO events
    for (const [text, kind] of [
      [`42["message",{"room":"bench-1","from":"a-publisher","body":${body}}]`, "room"],
      [`42["message",{"from":"a-a-0","to":"a-b-0","body":${body}}]`, "mail"],
    ] as const)
      expect(compareEvent(text)).toEqual({ light: kind, full: kind });
  });

  it("writes the same bytes from a template as JSON.stringify", () => {
    const light = new DataWriter("light");
    const full = new DataWriter("full");
    for (const name of ["bench-1", 'say "hi"', "ünïcode\n\\"])
      for (const key of ["room", "to"] as const) {
        const body = { n: 7, t: performance.timeOrigin + performance.now(), text: "x".repeat(32) };
        expect(light.data(key, name, body)).toBe(full.data(key, name, body));
        expect(light.data(key, name, body)).toBe(JSON.stringify({ [key]: name, ...body }));
      }
  });
});

describe("the light frame reading on frames captured from each server", () => {
  const servers: BenchServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  /** Room messages, mail, receipts and acks between two users; every frame either received. */
  async function capture(kind: "postoffice" | "ws" | "socketio"): Promise<string[]> {
    const server = await startServer(kind, { store: "memory" });
    servers.push(server);
    const frames: string[] = [];
    const open = async (user: string) => {
      const client = await openClient(kind, {
        host: server.host,
        url: server.url,
        user,
        secret: SECRET,
      });
      (client as LoadClient & { ws: WebSocket }).ws.on("message", (data) => {
        frames.push(String(data));
      });
      return client;
    };
    const a = await open("ann");
    const b = await open("bob");
    await a.join("room-1");
    await b.join("room-1");
    const body = (n: number) => ({ n, t: performance.timeOrigin + performance.now(), text: "xx" });
    const got = {
      room: new Promise<void>((resolve) => {
        b.onRoom = () => resolve();
      }),
      mail: new Promise<number | undefined>((resolve) => {
        b.onMail = (r) => resolve(r.seq);
      }),
      accepted: new Promise<void>((resolve) => {
        a.onAccepted = () => resolve();
      }),
    };
    a.sendRoom("room-1", body(1));
    a.sendMail("bob", 7, body(7));
    await got.room;
    await got.accepted;
    const seq = await got.mail;
    if (kind === "postoffice" && seq !== undefined) {
      // Postoffice tells the sender once the recipient acknowledges: a `delivered` receipt.
      const delivered = new Promise<void>((resolve) => {
        a.onEntry = () => resolve();
      });
      b.ack(seq);
      await delivered;
    }
    a.close();
    b.close();
    return frames;
  }

  for (const kind of ["postoffice", "ws"] as const)
    it(`reads every message and receipt of ${kind} as JSON.parse does, without parsing it`, async () => {
      const frames = await capture(kind);
      const kinds = frames.map(compareFrame);
      for (const { light, full } of kinds) if (HOT.includes(full)) expect(light).toBe(full);
      const seen = new Set(kinds.map((k) => k.full));
      for (const hot of kind === "postoffice" ? HOT : ["room", "mail", "accepted"])
        expect(seen).toContain(hot);
    });

  it("reads every message event of Socket.IO as JSON.parse does, without parsing it", async () => {
    const frames = await capture("socketio");
    const events = frames.filter((f) => f.startsWith('42["message",')).map(compareEvent);
    expect(events.map((e) => e.full).sort()).toEqual(["mail", "room", "room"]);
    for (const { light, full } of events) expect(light).toBe(full);
  });
});
