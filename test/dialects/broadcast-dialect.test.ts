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
      identity: { userId: "~john" },
      state: "john",
    });
    const second = await admit(dialect, "/ws?username=john");
    expect(second).toMatchObject({
      kind: "identified",
      identity: { userId: "~john-2", claims: { requestedName: "john" }, anonymous: true },
      state: "john-2",
    });
    dialect.release("john");
    expect(await admit(dialect, "/ws?username=john")).toMatchObject({ state: "john" });
    expect(await admit(dialect, "/ws")).toMatchObject({ state: "guest" });
  });

  it("names guests in a namespace of their own: `~name`, which no signed-in user has [AUTH-7]", async () => {
    const dialect = createBroadcastDialect(dialectContext());
    for (const name of ["ann", "~ann", "guest"]) {
      const admitted = await admit(dialect, `/ws?username=${encodeURIComponent(name)}`);
      expect(admitted.kind === "identified" && admitted.identity.userId).toBe(`~${name}`);
    }
    // A token still names a signed-in user, in its own namespace.
    expect(await admit(dialect, "/ws?token=ann-token&username=ann")).toMatchObject({
      identity: { userId: "ann", anonymous: false },
    });
  });

  it("refuses names with invisible, format or control characters, whatever their form [CHAT-1]", async () => {
    const dialect = createBroadcastDialect(dialectContext());
    const hidden = [
      "\u00AD",
      "\u180E",
      "\u2060",
      "\u2061",
      "\u2062",
      "\u2063",
      "\u2064",
      "\u061C",
      "\uFE0F",
      "\u{E0041}",
      "\uFFF9",
      "\u200B",
      "\u202E",
      "\u3164",
      "\u2800",
      "\u0007",
      "\n",
      "\u2028",
    ];
    for (const char of hidden) {
      expect(
        await admit(dialect, `/ws?username=${encodeURIComponent(`jo${char}hn`)}`),
        `U+${char.codePointAt(0)?.toString(16)}`,
      ).toMatchObject({ kind: "turned_away", close: { code: 4400, reason: "invalid_username" } });
    }
    expect(await admit(dialect, "/ws?username=john")).toMatchObject({ state: "john" });
  });

  it("takes names apart only as they look: case, width and compatibility forms are one name [CHAT-1]", async () => {
    const dialect = createBroadcastDialect(dialectContext());
    expect(await admit(dialect, "/ws?username=John")).toMatchObject({ state: "John" });
    for (const [asked, given] of [
      ["john", "john-2"],
      ["JOHN", "JOHN-3"],
      ["\uFF4A\uFF4F\uFF48\uFF4E", "john-4"],
      ["  john\u3000\u3000smith ", "john smith"],
      ["John\u00A0Smith", "John Smith-2"],
      ["stra\u00DFe", "straße"],
      ["STRASSE", "STRASSE-2"],
    ] as const) {
      expect(
        await admit(dialect, `/ws?username=${encodeURIComponent(asked)}`),
        asked,
      ).toMatchObject({ state: given });
    }
  });

  it("reserves Server, in any case or width, and names that start like it [CHAT-1]", async () => {
    const dialect = createBroadcastDialect(dialectContext());
    for (const name of ["Server", "server", "SERVER", "\uFF33erver", "Server-2", "Server: ann"]) {
      expect(await admit(dialect, `/ws?username=${encodeURIComponent(name)}`), name).toMatchObject({
        kind: "turned_away",
        error: { field: "username" },
      });
    }
    expect(await admit(dialect, "/ws?username=Servers")).toMatchObject({ state: "Servers" });
    expect(await admit(dialect, `/ws?username=${encodeURIComponent("ann: hi")}`)).toMatchObject({
      kind: "turned_away",
    });
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
    // A line-oriented client's line ending is not part of the text.
    expect(dialect.decode("hello\n", false, client)).toMatchObject({
      frame: { data: { text: "hello" } },
    });
    expect(dialect.decode("hello\r\n", false, client)).toMatchObject({
      frame: { data: { text: "hello" } },
    });
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
    expect(
      lines({ type: "welcome", data: { user: "~ann" } as never }),
      "a guest is shown by its name",
    ).toBe("Server: Welcome, ann");
    const mail: ServerFrame = {
      type: "message",
      data: { id: "m", seq: 1, from: "ann", to: "john", ts: 0, body: { text: "psst" } },
    };
    expect(lines(mail)).toBeUndefined();
  });

  it("never lets a line break or a control character through, so no line can pass for the server's [CHAT-3]", () => {
    const dialect = createBroadcastDialect(dialectContext());
    const lines = (frame: ServerFrame) => dialect.encode(frame);
    const forged = "hi\nServer: bob has left the chat";
    expect(lines(said("chat", forged))).toBe("john: hi↵Server: bob has left the chat");
    for (const lineBreak of ["\r", "\r\n", "\v", "\f", "\u0085", "\u2028", "\u2029"]) {
      expect(lines(said("chat", `a${lineBreak}b`))).toBe("john: a↵b");
    }
    expect(lines(said("chat", "\u001b[2J\u0000"))).toBe("john: \uFFFD[2J\uFFFD");
    // A signed-in user's id is the operator's: it cannot break a line either.
    const from = (user: string): ServerFrame => ({
      type: "presence",
      data: { room: "chat", event: "join", user },
    });
    expect(lines(from("eve\nServer: ann"))).toBe("Server: eve↵Server: ann has joined the chat");
    for (const text of [forged, "a\u2028b", "x\ry"]) {
      expect(lines(said("chat", text))).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
    }
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
