import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { connectAs, type Frame, signToken, type TestClient } from "../support/test-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

import { until } from "../support/until.js";

const HTML = readFileSync(new URL("../../examples/browser/index.html", import.meta.url), "utf8");
const SCRIPTS = [...HTML.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
const SOURCE = SCRIPTS[0]?.[2] ?? "";
const IDS = new Set([...HTML.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1] ?? ""));

type Listener = (event: { type: string; target: FakeElement; preventDefault(): void }) => void;

/** Just enough of a DOM element for the page's script. */
class FakeElement {
  textContent = "";
  value = "";
  checked = false;
  disabled = false;
  className = "";
  type = "";
  readonly children: FakeElement[] = [];
  private readonly listeners = new Map<string, Listener[]>();

  constructor(readonly tagName: string) {}

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  append(...nodes: FakeElement[]): void {
    this.children.push(...nodes);
  }

  dispatch(type: string): void {
    for (const listener of this.listeners.get(type) ?? []) {
      listener({ type, target: this, preventDefault: () => undefined });
    }
  }

  click(): void {
    if (!this.disabled) this.dispatch("click");
  }

  /** The element's text with its children's, like `innerText`. */
  get text(): string {
    return [this.textContent, ...this.children.map((child) => child.text)].join(" ").trim();
  }
}

/** Runs the page's script with a fake DOM and `ws` standing in for the browser's WebSocket. */
function loadPage(): (id: string) => FakeElement {
  const elements = new Map<string, FakeElement>();
  const document = {
    getElementById(id: string): FakeElement {
      if (!IDS.has(id)) throw new Error(`the page has no element #${id}`);
      let element = elements.get(id);
      if (!element) {
        element = new FakeElement(id);
        elements.set(id, element);
      }
      return element;
    },
    createElement: (tag: string) => new FakeElement(tag),
  };
  const location = { protocol: "file:", host: "" };
  new Function("document", "WebSocket", "location", SOURCE)(document, WebSocket, location);
  return (id) => document.getElementById(id);
}

describe("examples/browser/index.html", () => {
  let server: TestServer | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    await server?.stop();
    server = undefined;
  });

  it("has one inline classic script that parses", () => {
    expect(SCRIPTS).toHaveLength(1);
    expect(SCRIPTS[0]?.[1]).not.toMatch(/\bsrc=|type="module"/);
    expect(() => new Function(SOURCE)).not.toThrow();
  });

  it("looks up only elements that the page has", () => {
    const used = [...SOURCE.matchAll(/\$\("([^"]+)"\)/g)].map((match) => match[1] ?? "");
    expect(used.length).toBeGreaterThan(5);
    for (const id of used) expect(IDS, `#${id}`).toContain(id);
  });

  it("connects with the bearer subprotocol, lists mail, acks it, and sends", async () => {
    server = await startTestServer();
    const bob = await connectAs(server.url, await signToken({ sub: "bob" }));
    clients.push(bob);
    bob.send({ type: "message", id: "b1", data: { to: "alice", text: "Hello, page" } });
    await bob.next((f) => f.type === "receipt" && f.ref === "b1");

    const $ = loadPage();
    expect($("url").value).toBe("ws://localhost:8080/ws"); // opened as a file
    $("url").value = server.url;
    $("token").value = await signToken({ sub: "alice" });
    $("connect-form").dispatch("submit");
    await until(() => $("status").text.includes("Connected as alice"), "the welcome");
    const framesSent = () => $("frames").children.map((item) => item.text);
    // The token went in the handshake: no `auth` frame.
    expect(framesSent().filter((text) => text.startsWith("→"))).toEqual([]);

    // The waiting mail is listed, with a button that acknowledges it.
    await until(() => $("mailbox").children.length === 1, "the mail in the mailbox list");
    const entry = $("mailbox").children[0];
    expect(entry?.text).toContain("#1 from bob: Hello, page");
    entry?.children[1]?.click();
    expect(framesSent()).toContain('→ {"type":"ack","data":{"seq":1}}');
    const delivered = (ref: string) => (f: Frame) =>
      f.type === "receipt" && f.ref === ref && f.data?.status === "delivered";
    await until(() => bob.frames.some(delivered("b1")), "bob's delivered receipt");

    // Send to bob; with auto-ack on, the delivered receipt that comes back is acked at once.
    $("auto-ack").checked = true;
    expect($("send").disabled).toBe(false);
    $("to").value = "bob";
    $("text").value = "Hi from the page";
    $("send-form").dispatch("submit");
    const mail = await bob.next((f) => f.type === "message", 5000);
    expect(mail.data).toMatchObject({ from: "alice", body: { text: "Hi from the page" } });
    bob.send({ type: "ack", data: { seq: mail.data?.seq } });
    await until(() => $("mailbox").children.length === 2, "the delivered receipt in the list");
    expect($("mailbox").children[1]?.text).toContain("#2 receipt: your mail to bob was delivered");
    expect(framesSent()).toContain('→ {"type":"ack","data":{"seq":2}}');
    expect(framesSent().some((text) => text.includes('"status":"accepted"'))).toBe(true);

    $("disconnect").click();
    await until(() => $("status").text.startsWith("Closed: 1000"), "the close");
    expect($("send").disabled).toBe(true);
  });

  it("shows the server's refusal of a bad token", async () => {
    server = await startTestServer();
    const $ = loadPage();
    $("url").value = server.url;
    $("token").value = "not-a-valid-token";
    $("connect-form").dispatch("submit");
    await until(() => $("status").text.startsWith("Closed: 4401"), "the refusal");
    const frames = $("frames").children.map((item) => item.text);
    expect(frames.some((text) => text.includes('"code":"unauthorized"'))).toBe(true);
  });
});
