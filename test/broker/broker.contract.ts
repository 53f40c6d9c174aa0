import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Broker, BrokerMessage } from "../../src/server/broker/broker.js";
import { until } from "../support/until.js";

/** The seq of the last message a test publishes, to know that those before it arrived. */
const BARRIER = 999;

/** The Broker contract (src/server/broker/broker.ts), run by every implementation's test. */
export function brokerContract(
  name: string,
  create: (onHandlerError: (error: unknown) => void) => Promise<Broker>,
): void {
  describe(`${name} (Broker contract)`, () => {
    let broker: Broker;
    const handlerErrors: unknown[] = [];
    beforeEach(async () => {
      handlerErrors.length = 0;
      broker = await create((error) => handlerErrors.push(error));
    });
    afterEach(async () => {
      await broker.close();
    });
    /** Until the handlers saw what they must (a broker may deliver on a later turn, as Redis does). */
    const arrived = (check: () => boolean) => until(check, "the deliveries");
    /**
     * A message on `topic` that its subscribers wait for: a broker keeps one publisher's order,
     * so whatever was published before it has arrived by then, or never will.
     */
    const barrier = async (topic: string, seen: () => number[]): Promise<void> => {
      await broker.publish(topic, { seq: BARRIER, frame: "barrier" });
      await arrived(() => seen().includes(BARRIER));
    };

    it("delivers to every subscriber of the topic, in publish order, and to no other topic", async () => {
      const a: BrokerMessage[] = [];
      const b: BrokerMessage[] = [];
      const other: BrokerMessage[] = [];
      await broker.subscribe("t", (m) => a.push(m));
      await broker.subscribe("t", (m) => b.push(m));
      await broker.subscribe("u", (m) => other.push(m));
      for (let seq = 1; seq <= 3; seq++) await broker.publish("t", { seq, frame: `f${seq}` });
      await barrier("u", () => other.map((m) => m.seq));
      await arrived(() => a.length === 3 && b.length === 3);
      expect(a.map((m) => m.seq)).toEqual([1, 2, 3]);
      expect(b).toEqual(a);
      expect(other.map((m) => m.seq)).toEqual([BARRIER]);
    });

    it("stops delivering after unsubscribe, and keeps nothing for later subscribers", async () => {
      const seen: number[] = [];
      const unsubscribe = await broker.subscribe("t", (m) => seen.push(m.seq));
      await broker.publish("t", { seq: 1, frame: "x" });
      await arrived(() => seen.length === 1);
      unsubscribe();
      await broker.publish("t", { seq: 2, frame: "y" });
      const late: number[] = [];
      await broker.subscribe("t", (m) => late.push(m.seq));
      await barrier("t", () => late);
      expect(seen).toEqual([1]);
      expect(late).toEqual([BARRIER]);
    });

    it("tells the publisher whether the topic had a subscriber when it was published", async () => {
      expect(await broker.publish("t", { seq: 1, frame: "x" })).toBe(false);
      const seen: number[] = [];
      const unsubscribe = await broker.subscribe("t", (m) => seen.push(m.seq));
      expect(await broker.publish("t", { seq: 2, frame: "y" })).toBe(true);
      expect(await broker.publish("u", { seq: 3, frame: "z" })).toBe(false);
      unsubscribe();
      // A cluster's broker ends a subscription on its way back from the server.
      let reached = true;
      for (let seq = 4; reached && seq < 200; seq++) {
        reached = await broker.publish("t", { seq, frame: "w" });
      }
      expect(reached).toBe(false);
      expect(seen[0]).toBe(2);
    });

    it("isolates a throwing handler from the other subscribers", async () => {
      const seen: number[] = [];
      await broker.subscribe("t", () => {
        throw new Error("boom");
      });
      await broker.subscribe("t", (m) => seen.push(m.seq));
      await broker.publish("t", { seq: 1, frame: "x" });
      await arrived(() => seen.length === 1 && handlerErrors.length === 1);
      await barrier("t", () => seen);
      expect(seen).toEqual([1, BARRIER]);
      expect(handlerErrors).toHaveLength(2);
    });

    it("carries seq and frame untouched, whatever characters the frame holds", async () => {
      const seen: BrokerMessage[] = [];
      await broker.subscribe("t", (m) => seen.push(m));
      const sent: BrokerMessage[] = [
        { seq: 0, frame: "" },
        { seq: 7, frame: " a leading space,  two spaces, a trailing one " },
        { seq: 2 ** 40, frame: '{"text":"line\\nbreak \u2709 ✉ 🙂"}\n' },
      ];
      for (const message of sent) await broker.publish("t", message);
      await arrived(() => seen.length === sent.length);
      expect(seen).toEqual(sent);
    });

    it("counts subscriptions: ending one, even twice, leaves the topic's others", async () => {
      const a: number[] = [];
      const b: number[] = [];
      const handler = (m: BrokerMessage) => a.push(m.seq);
      const first = await broker.subscribe("t", handler);
      await broker.subscribe("t", handler);
      await broker.subscribe("t", (m) => b.push(m.seq));
      first();
      first();
      await broker.publish("t", { seq: 1, frame: "x" });
      await barrier("t", () => b);
      expect(a).toEqual([1, BARRIER]);
      expect(b).toEqual([1, BARRIER]);
    });

    it("delivers to subscribers that subscribed at the same time", async () => {
      const a: number[] = [];
      const b: number[] = [];
      await Promise.all([
        broker.subscribe("t", (m) => a.push(m.seq)),
        broker.subscribe("t", (m) => b.push(m.seq)),
      ]);
      await broker.publish("t", { seq: 1, frame: "x" });
      await barrier("t", () => b);
      expect(a).toEqual([1, BARRIER]);
      expect(b).toEqual([1, BARRIER]);
    });

    it("delivers again to a topic subscribed right after its last subscription ended", async () => {
      const seen: number[] = [];
      const unsubscribe = await broker.subscribe("t", () => undefined);
      unsubscribe();
      await broker.subscribe("t", (m) => seen.push(m.seq));
      await broker.publish("t", { seq: 1, frame: "x" });
      await arrived(() => seen.length === 1);
      expect(seen).toEqual([1]);
    });
  });
}
