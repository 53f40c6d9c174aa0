import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryRoomLog } from "../../src/server/rooms/memory-room-log.js";
import { roomLogContract } from "./room-log.contract.js";

roomLogContract("MemoryRoomLog", async () => new MemoryRoomLog());

const text = "x".repeat(1000);
const say = (room: string, n: number) => ({
  id: `${room}-${n}`,
  room,
  from: "mallory",
  ts: 0,
  body: { text, n },
});

describe("the memory room log's bounds [ROOM-5]", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("keeps the history of all rooms within historyMaxBytes, trimming the rooms that spoke least recently first", async () => {
    const log = new MemoryRoomLog({ maxBytes: 50_000, emptyIdleMs: 3_600_000 });
    // One user cycling through rooms, each keeping 100 messages of ~1 KB.
    for (let room = 0; room < 200; room++) {
      for (let n = 1; n <= 10; n++) await log.append(say(`r${room}`, n), 100);
      expect(log.keptBytes).toBeLessThanOrEqual(50_000);
    }
    // The rooms that spoke last keep theirs; the first ones lost theirs, not their numbering.
    expect((await log.after("r199", 0)).messages.map((m) => m.seq)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    expect(await log.after("r0", 0)).toEqual({ messages: [], recovered: false });
    expect(await log.position("r0")).toBe(10);
    // A room that speaks again is the newest: the others give way before it does.
    await log.append(say("r150", 11), 100);
    await log.append(say("r151", 11), 100);
    expect((await log.after("r150", 10)).messages.map((m) => m.seq)).toEqual([11]);
    await log.close();
  });

  it("trims the oldest messages of a room alone past the budget, and reports what is lost", async () => {
    const log = new MemoryRoomLog({ maxBytes: 5_000, emptyIdleMs: 3_600_000 });
    for (let n = 1; n <= 20; n++) await log.append(say("big", n), 1000);
    const { messages, recovered } = await log.after("big", 0);
    expect(recovered).toBe(false);
    expect(messages.at(-1)?.seq).toBe(20);
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.length).toBeLessThan(5);
    expect(log.keptBytes).toBeLessThanOrEqual(5_000);
    await log.close();
  });

  it("forgets an empty room's history and numbering once it has been empty for emptyRoomIdleMs", async () => {
    vi.useFakeTimers();
    const log = new MemoryRoomLog({ maxBytes: 0, emptyIdleMs: 600_000 });
    for (let room = 0; room < 100; room++) {
      for (let n = 1; n <= 3; n++) await log.append(say(`r${room}`, n), 10);
      await log.forget(`r${room}`);
    }
    // Someone came back to r7 before the idle time: it stays.
    await vi.advanceTimersByTimeAsync(300_000);
    expect(await log.position("r7")).toBe(3);
    expect(log.rooms).toBe(100);
    await vi.advanceTimersByTimeAsync(360_000);
    expect(log.rooms).toBe(1);
    expect(log.keptBytes).toBeGreaterThan(0);
    expect(await log.position("r0")).toBe(0);
    expect((await log.after("r7", 0)).messages).toHaveLength(3);
    // Left again: forgotten in its turn.
    await log.forget("r7");
    await vi.advanceTimersByTimeAsync(660_000);
    expect(log.rooms).toBe(0);
    expect(log.keptBytes).toBe(0);
    await log.close();
  });

  it("forgets at once an empty room that keeps nothing, as before", async () => {
    const log = new MemoryRoomLog({ maxBytes: 0, emptyIdleMs: 600_000 });
    await log.append(say("quiet", 1), 0);
    await log.forget("quiet");
    expect(log.rooms).toBe(0);
    await log.close();
  });
});
