import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken, TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/**
 * The table of docs/protocol.md ("Bad input"): each input, the error code it gets, and that
 * the connection stays usable afterwards.
 */
const keptOpen: Array<[string, string | Buffer, string]> = [
  ["text that is not JSON", "hello there", "invalid_json"],
  ["a JSON array", "[1,2,3]", "invalid_frame"],
  ["a JSON string", '"ping"', "invalid_frame"],
  ["an object without type", '{"data":{}}', "invalid_frame"],
  ["an unknown type", '{"type":"teleport","id":"x"}', "unknown_type"],
  ["mail without a recipient", '{"type":"message","id":"x","data":{"text":"hi"}}', "invalid_field"],
  [
    "a recipient that is not a string",
    '{"type":"message","id":"x","data":{"to":5}}',
    "invalid_field",
  ],
  ["a negative ack", '{"type":"ack","id":"x","data":{"seq":-1}}', "invalid_field"],
  ["an id that is not a string", '{"type":"ping","id":42}', "invalid_field"],
  [
    "over-deep nesting",
    `{"type":"ping","id":"x","data":{"a":${"[".repeat(40)}${"]".repeat(40)}}}`,
    "nesting_too_deep",
  ],
  [
    "an oversize string",
    `{"type":"message","id":"x","data":{"to":"bob","text":"${"y".repeat(300)}"}}`,
    "string_too_long",
  ],
  [
    "a forged sender",
    '{"type":"message","id":"x","data":{"to":"bob","sender_id":"alice"}}',
    "forged_sender",
  ],
  ["a binary frame", Buffer.from('{"type":"ping"}'), "binary_not_supported"],
  [
    "a number JSON cannot carry",
    '{"type":"message","id":"x","data":{"to":"bob","n":1e309}}',
    "invalid_json",
  ],
];

describe("bad input", () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer({
      limits: { maxStringLength: 200, maxFrameBytes: 1024, outboundBufferBytes: 65536 },
    });
    token = await signToken({ sub: "mallory" });
  });
  afterAll(async () => {
    await server.stop();
  });
  const open = async (): Promise<TestClient> => {
    const client = new TestClient(`${server.url}?token=${token}`);
    await client.nextOfType("welcome");
    return client;
  };

  for (const [what, input, code] of keptOpen) {
    it(`answers ${what} with ${code} and keeps the connection`, async () => {
      const client = await open();
      client.ws.send(input, { binary: Buffer.isBuffer(input) });
      expect((await client.nextOfType("error")).data?.code).toBe(code);
      client.send({ type: "ping", id: "still-there" });
      expect((await client.nextOfType("pong")).ref).toBe("still-there");
      client.ws.terminate();
    });
  }

  it("closes with 1009 on a frame over limits.maxFrameBytes", async () => {
    const client = await open();
    client.send({ type: "ping", data: { pad: "z".repeat(2000) } });
    expect((await client.closed).code).toBe(1009);
  });

  it("closes with 1007 on a text frame that is not UTF-8", async () => {
    const client = await open();
    client.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await client.closed).code).toBe(1007);
  });

  it("counts every refusal in /metrics by code", async () => {
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    for (const [, , code] of keptOpen)
      expect(text).toContain(`postoffice_errors_total{code="${code}"}`);
  });
});

describe("binary frames when enabled", () => {
  it("reads a binary frame as UTF-8 JSON, and refuses one that is not UTF-8", async () => {
    const server = await startTestServer({ limits: { binaryFrames: true } });
    try {
      const alice = new TestClient(`${server.url}?token=alice-static-token`);
      const bob = new TestClient(`${server.url}?token=bob-static-token`);
      await Promise.all([alice.nextOfType("welcome"), bob.nextOfType("welcome")]);
      alice.ws.send(
        Buffer.from(JSON.stringify({ type: "message", data: { to: "bob", text: "bytes" } })),
        { binary: true },
      );
      expect((await bob.nextOfType("message")).data?.body).toEqual({ text: "bytes" });
      alice.ws.send(Buffer.from([0xff, 0xfe]), { binary: true });
      expect((await alice.nextOfType("error")).data?.code).toBe("invalid_frame");
      alice.ws.terminate();
      bob.ws.terminate();
    } finally {
      await server.stop();
    }
  });
});

describe("configured schemas", () => {
  it("refuses mail whose data violates validation.message with schema_violation and the pointer of the first failure", async () => {
    const server = await startTestServer({
      validation: {
        message: {
          type: "object",
          required: ["to", "text"],
          properties: { to: { type: "string" }, text: { type: "string", maxLength: 20 } },
        },
      },
    });
    try {
      const alice = new TestClient(`${server.url}?token=alice-static-token`);
      const bob = new TestClient(`${server.url}?token=bob-static-token`);
      await Promise.all([alice.nextOfType("welcome"), bob.nextOfType("welcome")]);
      alice.send({ type: "message", id: "long", data: { to: "bob", text: "x".repeat(30) } });
      expect(await alice.nextOfType("error")).toMatchObject({
        ref: "long",
        data: { code: "schema_violation", pointer: "/data/text" },
      });
      alice.send({ type: "message", id: "missing", data: { to: "bob" } });
      expect(await alice.nextOfType("error")).toMatchObject({
        ref: "missing",
        data: { code: "schema_violation", pointer: "/data" },
      });
      alice.send({ type: "message", id: "fine", data: { to: "bob", text: "short" } });
      expect((await alice.nextOfType("receipt")).ref).toBe("fine");
      expect((await bob.nextOfType("message")).data?.body).toEqual({ text: "short" });
      alice.ws.terminate();
      bob.ws.terminate();
    } finally {
      await server.stop();
    }
  });

  it("checks mail sent right behind the auth frame, handled once the sender is known", async () => {
    const server = await startTestServer({
      validation: {
        message: { type: "object", properties: { text: { type: "string", maxLength: 20 } } },
      },
    });
    try {
      const alice = new TestClient(server.url);
      await alice.opened;
      alice.send({ type: "auth", id: "a1", data: { token: "alice-static-token" } });
      alice.send({ type: "message", id: "long", data: { to: "bob", text: "x".repeat(30) } });
      expect(await alice.nextOfType("welcome")).toMatchObject({ ref: "a1" });
      expect(await alice.nextOfType("error")).toMatchObject({
        ref: "long",
        data: { code: "schema_violation", pointer: "/data/text" },
      });
      alice.ws.terminate();
    } finally {
      await server.stop();
    }
  });
});
