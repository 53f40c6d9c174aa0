import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Broker, BrokerMessage } from "../../src/server/broker/broker.js";

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
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

    it("delivers to every subscriber of the topic, in publish order, and to no other topic", async () => {
      const a: BrokerMessage[] = [];
      const b: BrokerMessage[] = [];
      const other: BrokerMessage[] = [];
      await broker.subscribe("t", (m) => a.push(m));
      await broker.subscribe("t", (m) => b.push(m));
      await broker.subscribe("u", (m) => other.push(m));
      for (let seq = 1; seq <= 3; seq++) await broker.publish("t", { seq, frame: `f${seq}` });
      await settle();
      expect(a.map((m) => m.seq)).toEqual([1, 2, 3]);
      expect(b).toEqual(a);
      expect(other).toEqual([]);
    });

    it("stops delivering after unsubscribe, and keeps nothing for later subscribers", async () => {
      const seen: number[] = [];
      const unsubscribe = await broker.subscribe("t", (m) => seen.push(m.seq));
      await broker.publish("t", { seq: 1, frame: "x" });
      await settle();
      unsubscribe();
      await broker.publish("t", { seq: 2, frame: "y" });
      const late: number[] = [];
      await broker.subscribe("t", (m) => late.push(m.seq));
      await settle();
      expect(seen).toEqual([1]);
      expect(late).toEqual([]);
    });

    it("isolates a throwing handler from the other subscribers", async () => {
      const seen: number[] = [];
      await broker.subscribe("t", () => {
        throw new Error("boom");
      });
      await broker.subscribe("t", (m) => seen.push(m.seq));
      await broker.publish("t", { seq: 1, frame: "x" });
      await settle();
      expect(seen).toEqual([1]);
      expect(handlerErrors).toHaveLength(1);
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
      await settle();
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
      await settle();
      expect(a).toEqual([1]);
      expect(b).toEqual([1]);
    });

    it("delivers to subscribers that subscribed at the same time", async () => {
      const a: number[] = [];
      const b: number[] = [];
      await Promise.all([
        broker.subscribe("t", (m) => a.push(m.seq)),
        broker.subscribe("t", (m) => b.push(m.seq)),
      ]);
      await broker.publish("t", { seq: 1, frame: "x" });
      await settle();
      expect(a).toEqual([1]);
      expect(b).toEqual([1]);
    });

    it("delivers again to a topic subscribed right after its last subscription ended", async () => {
      const seen: number[] = [];
      const unsubscribe = await broker.subscribe("t", () => undefined);
      unsubscribe();
      await broker.subscribe("t", (m) => seen.push(m.seq));
      await broker.publish("t", { seq: 1, frame: "x" });
      await settle();
      expect(seen).toEqual([1]);
    });
  });
}
