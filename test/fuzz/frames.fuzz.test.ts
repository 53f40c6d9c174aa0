import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAs, signToken, type TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const VALID_FRAMES = [
  '{"type":"auth","id":"a","data":{"token":"bob-static-token"}}',
  '{"type":"message","id":"m","data":{"to":"bob","text":"hello"}}',
  '{"type":"ack","id":"k","data":{"seq":1}}',
  '{"type":"read","data":{"seq":2}}',
  '{"type":"ping","id":"p"}',
];

/** A valid frame with a few characters replaced, inserted or removed. */
const mutatedFrame = fc
  .tuple(
    fc.constantFrom(...VALID_FRAMES),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom("replace", "insert", "delete"),
        fc.string({ maxLength: 3 }),
      ),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
  )
  .map(([frame, edits]) =>
    edits.reduce((text, [at, kind, piece]) => {
      const i = text.length === 0 ? 0 : at % text.length;
      if (kind === "delete") return text.slice(0, i) + text.slice(i + 1);
      if (kind === "insert") return text.slice(0, i) + piece + text.slice(i);
      return text.slice(0, i) + piece + text.slice(i + 1);
    }, frame),
  );

/** Any JSON value dressed as a frame: random types, ids and data. */
const randomFrame = fc
  .record({
    type: fc.oneof(
      fc.constantFrom("auth", "message", "ack", "read", "ping"),
      fc.string(),
      fc.integer(),
    ),
    id: fc.option(fc.oneof(fc.string(), fc.integer()), { nil: undefined }),
    data: fc.jsonValue({ maxDepth: 6 }),
  })
  .map((frame) => JSON.stringify(frame));

const anyFrame = fc.oneof(
  mutatedFrame,
  randomFrame,
  fc.string(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

describe("random and mutated frames against a live server", () => {
  let server: TestServer;
  let witness: TestClient;
  beforeAll(async () => {
    server = await startTestServer({ limits: { maxStringLength: 1000 } });
    witness = await connectAs(server.url, await signToken({ sub: "witness" }));
  });
  afterAll(async () => {
    witness.ws.terminate();
    await server.stop();
  });

  it("stays up, keeps answering each connection in order, and keeps serving a well-behaved client", async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(anyFrame, { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        async (frames, authenticated) => {
          round += 1;
          const fuzzer = authenticated
            ? await connectAs(server.url, await signToken({ sub: `fuzz-${round}` }))
            : await connectAs(server.url, "alice-static-token").then((c) => c);
          for (const frame of frames) fuzzer.ws.send(frame);
          fuzzer.ws.send(JSON.stringify({ type: "ping", id: "end-of-round" }));
          // Ordered replies: once the marker's pong arrives every earlier frame was answered
          // (unless the fuzzer itself was closed, e.g. for changing user or a bad auth).
          const ended = await Promise.race([
            fuzzer
              .next((f) => f.type === "pong" && f.ref === "end-of-round", 5000)
              .then(() => "answered"),
            fuzzer.closed.then(() => "closed"),
          ]);
          expect(["answered", "closed"]).toContain(ended);
          fuzzer.ws.terminate();

          witness.send({ type: "ping", id: `alive-${round}` });
          expect((await witness.next((f) => f.ref === `alive-${round}`, 5000)).type).toBe("pong");
        },
      ),
      { numRuns: 150, interruptAfterTimeLimit: 60_000 },
    );
    const health = await fetch(`${server.httpUrl}/health`);
    expect(health.status).toBe(200);
  }, 90_000);
});
