import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/protocol/index.js";
import type { RoomLog } from "../../src/server/rooms/room-log.js";

/** The RoomLog contract (src/server/rooms/room-log.ts), run by every implementation's test. */
export function roomLogContract(name: string, create: () => Promise<RoomLog>): void {
  describe(`${name} (RoomLog contract)`, () => {
    let log: RoomLog;
    beforeEach(async () => {
      log = await create();
    });
    afterEach(async () => {
      await log.close();
    });
    const message = (room: string, n: number) => ({
      id: randomUUID(),
      room,
      from: "alice",
      ts: 1000 + n,
      body: { n, list: [], empty: {} } as JsonObject,
    });

    it("numbers each room's messages 1, 2, 3 in call order", async () => {
      const seqs = await Promise.all(
        [1, 2, 3].map(async (n) => (await log.append(message("a", n), 0)).seq),
      );
      expect(seqs.sort()).toEqual([1, 2, 3]);
      expect((await log.append(message("b", 1), 0)).seq).toBe(1);
      expect(await log.position("a")).toBe(3);
      expect(await log.position("nowhere")).toBe(0);
    });

    it("keeps the last N messages untouched and returns those after a sequence, in order", async () => {
      for (let n = 1; n <= 5; n++) await log.append(message("a", n), 3);
      const recent = await log.after("a", 3);
      expect(recent.recovered).toBe(true);
      expect(recent.messages.map((m) => m.seq)).toEqual([4, 5]);
      expect(recent.messages[0]?.body).toEqual({ n: 4, list: [], empty: {} });
    });

    it("says a gap older than what it keeps cannot be recovered", async () => {
      for (let n = 1; n <= 5; n++) await log.append(message("a", n), 2);
      const old = await log.after("a", 1);
      expect(old.recovered).toBe(false);
      expect(old.messages.map((m) => m.seq)).toEqual([4, 5]);
      expect(await log.after("a", 5)).toEqual({ messages: [], recovered: true });
    });

    it("keeps nothing for a room with history 0, but still numbers it", async () => {
      await log.append(message("a", 1), 0);
      await log.append(message("a", 2), 0);
      expect(await log.after("a", 0)).toEqual({ messages: [], recovered: false });
    });
  });
}
