import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventOutbox, OUTBOX_FILE, type OutboxEvent } from "../../src/server/amqp/event-outbox.js";

const event = (n: number): OutboxEvent => ({
  id: `e${n}`,
  routingKey: `presence.join.r${n}`,
  kind: "presence.join",
  body: JSON.stringify({ n }),
  ts: n,
});

describe("the AMQP event outbox", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "postoffice-outbox-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("gives events back in the order added, and forgets those removed", () => {
    const outbox = new EventOutbox(dir, 100);
    outbox.add([event(0), event(1)]);
    outbox.add([event(2)]);
    const head = outbox.peek(2);
    expect(head.map((entry) => entry.id)).toEqual(["e0", "e1"]);
    outbox.remove(head[1]?.seq ?? 0);
    expect(outbox.size).toBe(1);
    expect(outbox.peek(10).map((entry) => entry.id)).toEqual(["e2"]);
    outbox.close();
  });

  it("keeps its events when closed and opened again (a restart of the node)", () => {
    const outbox = new EventOutbox(dir, 100);
    outbox.add([event(0), event(1), event(2)]);
    outbox.close();
    const again = new EventOutbox(dir, 100);
    expect(again.size).toBe(3);
    expect(again.peek(10)).toEqual([0, 1, 2].map((n) => ({ ...event(n), seq: n + 1 })));
    again.close();
  });

  it("past its bound, drops the oldest events and says how many", () => {
    const outbox = new EventOutbox(dir, 5);
    expect(outbox.add([0, 1, 2, 3].map(event))).toBe(0);
    expect(outbox.add([4, 5, 6].map(event))).toBe(2);
    expect(outbox.add(Array.from({ length: 8 }, (_, n) => event(7 + n)))).toBe(8);
    expect(outbox.size).toBe(5);
    expect(outbox.peek(10).map((entry) => entry.id)).toEqual(["e10", "e11", "e12", "e13", "e14"]);
    outbox.close();
  });

  it("refuses to open a file that is not an outbox", async () => {
    await writeFile(
      join(dir, OUTBOX_FILE),
      "not a database, just text that is long enough ".repeat(20),
    );
    expect(() => new EventOutbox(dir, 10)).toThrow();
  });
});
