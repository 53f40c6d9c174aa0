import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { engineFor } from "./engine-fixture.js";
import { RecordingPorts } from "./recording-ports.js";

type Handler = (body: Record<string, unknown>, res: ServerResponse, req: IncomingMessage) => void;

interface Endpoint {
  url: string;
  requests: Array<Record<string, unknown>>;
  server: Server;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

/** An HTTP endpoint on loopback answering each request with the next handler (the last repeats). */
async function endpoint(...handlers: Handler[]): Promise<Endpoint> {
  const requests: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on("end", () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      requests.push({ ...body, secret: req.headers["x-secret"] });
      const handler = handlers[Math.min(requests.length - 1, handlers.length - 1)] as Handler;
      handler(body, res, req);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests,
    server,
  };
}

const json =
  (status: number, value: unknown): Handler =>
  (_body, res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(value));
  };

async function chatThrough(url: string, extra: Record<string, unknown> = {}) {
  const fixture = await engineFor({
    chat: {
      actions: [
        { webhook: { url, use: "payload", retries: 1, headers: { "x-secret": "s3" }, ...extra } },
        { notify_room: { event: "said", payload: { text: "{.payload.text}" } } },
      ],
    },
  });
  const ports = new RecordingPorts();
  ports.rooms.add("lobby");
  const send = (text: string) =>
    fixture.engine.handle({ event: "chat", target: "lobby", payload: { text } }, ports);
  return { ...fixture, ports, send };
}

describe("the webhook action", () => {
  it("posts the event with its sender, and with use: payload the answer is the payload of the steps after it", async () => {
    const hook = await endpoint((body, res) =>
      json(200, { text: String((body.payload as { text: string }).text).toUpperCase() })(
        body,
        res,
        undefined as never,
      ),
    );
    const { send, ports } = await chatThrough(hook.url);
    expect((await send("hi <b>")).ok).toBe(true);
    expect(hook.requests[0]).toMatchObject({
      event: "chat",
      target: "lobby",
      payload: { text: "hi <b>" },
      sender: { id: "alice", roles: ["member"], connection: "conn-1" },
      secret: "s3",
    });
    expect(ports.calls).toEqual([
      { op: "notifyRoom", room: "lobby", notice: { event: "said", payload: { text: "HI <B>" } } },
    ]);
  });

  it("with use: reply, the answer is the event's reply", async () => {
    const hook = await endpoint(json(200, { price: 3 }));
    const { engine } = await engineFor({
      quote: { target: "none", actions: [{ webhook: { url: hook.url, use: "reply" } }] },
    });
    expect(await engine.handle({ event: "quote" }, new RecordingPorts())).toMatchObject({
      ok: true,
      reply: { event: "quote", payload: { price: 3 } },
    });
  });

  it("a 4xx answer refuses the event with the endpoint's message, and nothing after it runs", async () => {
    const hook = await endpoint(json(403, { message: "No links, please." }));
    const { send, ports } = await chatThrough(hook.url);
    expect(await send("http://spam")).toMatchObject({
      ok: false,
      refusal: {
        code: "forbidden",
        message: "No links, please.",
        reason: "events.chat.actions[0] (webhook) (403)",
      },
    });
    expect(ports.calls).toEqual([]);
  });

  it("retries a 5xx, then fails the action with action_failed", async () => {
    const flaky = await endpoint(json(503, {}), json(200, { text: "ok" }));
    expect((await (await chatThrough(flaky.url)).send("a")).ok).toBe(true);
    expect(flaky.requests).toHaveLength(2);

    const down = await endpoint(json(500, {}));
    const outcome = await (await chatThrough(down.url)).send("a");
    expect(outcome).toMatchObject({ ok: false, refusal: { code: "action_failed" } });
    expect(down.requests).toHaveLength(2);
  });

  it("fails an answer slower than timeoutMs, or larger than maxBodyBytes", async () => {
    const slow = await endpoint((_body, res) => {
      setTimeout(() => json(200, {})(_body, res, undefined as never), 500);
    });
    const timedOut = await (await chatThrough(slow.url, { timeoutMs: 50, retries: 0 })).send("a");
    expect(timedOut).toMatchObject({ refusal: { code: "action_failed" } });
    expect((timedOut as { refusal: { message: string } }).refusal.message).toMatch(
      /no answer within 50 ms/,
    );

    const big = await endpoint(json(200, { text: "x".repeat(2_000) }));
    const tooBig = await (await chatThrough(big.url, { maxBodyBytes: 1_000 })).send("a");
    expect((tooBig as { refusal: { message: string } }).refusal.message).toMatch(
      /over maxBodyBytes \(1000\)/,
    );
  });

  it("opens the circuit after five failed calls: the sixth fails at once without calling", async () => {
    const down = await endpoint(json(502, {}));
    const { send } = await chatThrough(down.url, { retries: 0 });
    for (let i = 0; i < 5; i++) expect((await send("a")).ok).toBe(false);
    expect(down.requests).toHaveLength(5);
    const open = await send("a");
    expect((open as { refusal: { message: string } }).refusal.message).toMatch(/failed too often/);
    expect(down.requests).toHaveLength(5);
  });
});
