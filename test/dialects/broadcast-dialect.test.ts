import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../src/protocol/index.js";
import { createBroadcastDialect } from "../../src/server/dialects/broadcast/broadcast-dialect.js";
import type { Admission, Dialect, DialectClient } from "../../src/server/dialects/dialect.js";
import { PreparedFrame } from "../../src/server/wire/prepared-frame.js";
import { dialectContext, handshake } from "./dialect-context.js";

const client: DialectClient<string> = { identity: undefined, dialectState: undefined };

async function admit(
  dialect: Dialect<string>,
  url: string,
  headers = {},
): Promise<Admission<string>> {
  const req = handshake(url, headers);
  return dialect.admit(req, dialect.credential(req));
}

function said(room: string, text: unknown): ServerFrame {
  return {
    type: "message",
    data: { id: "m1", room, seq: 1, from: "john", ts: 0, body: { text } as never },
  };
}

describe("the broadcast dialect (chat mode)", () => {
  it("names a client from ?username=, a taken name with a free variant it frees on release [CHAT-1]", async () => {
    const dialect = createBroadcastDialect(dialectContext());
    const first = await admit(dialect, "/ws?username=john");
    expect(first).toMatchObject({
      kind: "identified",
      identity: { userId: "john" },
      state: "john",
    });
    const second = await admit(dialect, "/ws?username=john");
    expect(second).toMatchObject({
      kind: "identified",
      identity: { userId: "john-2", claims: { requestedName: "john" }, anonymous: true },
      state: "john-2",
    });
    dialect.release("john");
    expect(await admit(dialect, "/ws?username=john")).toMatchObject({ state: "john" });
    expect(await admit(dialect, "/ws")).toMatchObject({ state: "guest" });
  });

  it("turns away a bad name with an error and close 4400, before any name is taken", async () => {
    const dialect = createBroadcastDialect(dialectContext());
    expect(await admit(dialect, `/ws?username=${"x".repeat(51)}`)).toMatchObject({
      kind: "turned_away",
      error: { code: "invalid_field", field: "username" },
      close: { code: 4400, reason: "invalid_username" },
    });
  });

  it("checks a handshake token as the native protocol does, and waits for `auth` without anonymity", async () => {
    const dialect = createBroadcastDialect(dialectContext({ anonymous: false }));
    expect(await admit(dialect, "/ws?token=ann-token")).toMatchObject({
      kind: "identified",
      identity: { userId: "ann" },
    });
    expect(await admit(dialect, "/ws?token=nope")).toMatchObject({ kind: "unauthorized" });
    expect(await admit(dialect, "/ws?username=john")).toMatchObject({ kind: "pending" });
  });

  it("lets a client that offers postoffice.v1 read native frames", async () => {
    const dialect = createBroadcastDialect(dialectContext());
    const offered = { "sec-websocket-protocol": "postoffice.v1" };
    expect(await admit(dialect, "/ws?username=a", offered)).toMatchObject({ readsNative: true });
    expect(await admit(dialect, "/ws?username=b")).toMatchObject({ readsNative: false });
  });

  it("decodes raw text as a message to the chat room, and JSON objects as native frames [CHAT-2]", () => {
    const dialect = createBroadcastDialect(dialectContext());
    expect(dialect.decode("hello there", false, client)).toEqual({
      ok: true,
      frame: { type: "message", data: { room: "chat", text: "hello there" } },
    });
    expect(dialect.decode("[1,2]", false, client)).toMatchObject({
      ok: true,
      frame: { data: { text: "[1,2]" } },
    });
    expect(dialect.decode('{"type":"ping","id":"p"}', false, client)).toEqual({
      ok: true,
      frame: { type: "ping", id: "p" },
    });
    expect(dialect.decode("x".repeat(101), false, client)).toMatchObject({
      ok: false,
      code: "string_too_long",
      field: "data.text",
    });
    expect(dialect.decode("not json", true, client)).toMatchObject({ code: "invalid_json" });
  });

  it("says the chat's frames as lines and nothing for the others", () => {
    const dialect = createBroadcastDialect(dialectContext());
    const lines = (frame: ServerFrame) => dialect.encode(frame);
    expect(lines(said("chat", "hi"))).toBe("john: hi");
    expect(lines(said("chat", 42))).toBe('john: {"text":42}');
    expect(lines(said("other", "hi"))).toBeUndefined();
    const presence = (event: "join" | "leave"): ServerFrame => ({
      type: "presence",
      data: { room: "chat", event, user: "ann" },
    });
    expect(lines(presence("join"))).toBe("Server: ann has joined the chat");
    expect(lines(presence("leave"))).toBe("Server: ann has left the chat");
    expect(
      lines({ type: "broadcast", data: { id: "b", from: "ops", ts: 0, body: { text: "down" } } }),
    ).toBe("ops: down");
    expect(lines({ type: "error", data: { code: "rate_limited", message: "Slow down." } })).toBe(
      "Server: Slow down.",
    );
    expect(lines({ type: "pong", data: { ts: 0 } })).toBeUndefined();
    expect(
      lines({ type: "receipt", data: { status: "accepted", id: "m", ts: 0, room: "chat" } }),
    ).toBeUndefined();
    const mail: ServerFrame = {
      type: "message",
      data: { id: "m", seq: 1, from: "ann", to: "john", ts: 0, body: { text: "psst" } },
    };
    expect(lines(mail)).toBeUndefined();
  });

  it("encodes a frame shared by many members once, however many text clients get it", () => {
    const dialect = createBroadcastDialect(dialectContext());
    let encoded = 0;
    const counting = {
      encode: (frame: ServerFrame) => {
        encoded += 1;
        return dialect.encode(frame);
      },
    };
    const frame = new PreparedFrame(JSON.stringify(said("chat", "hi")));
    const translations = Array.from({ length: 100 }, () => frame.in(counting));
    expect(encoded).toBe(1);
    expect(translations[0]?.text).toBe("john: hi");
    expect(new Set(translations).size).toBe(1);
    const silent = new PreparedFrame(JSON.stringify({ type: "pong", data: { ts: 0 } }));
    expect(silent.in(counting)).toBeUndefined();
    expect(silent.in(counting)).toBeUndefined();
    expect(encoded).toBe(2);
  });
});
