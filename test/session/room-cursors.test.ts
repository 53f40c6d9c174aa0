import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PresenceFrame, RoomMessage } from "../../src/protocol/index.js";
import { MemoryRoomLog } from "../../src/server/rooms/memory-room-log.js";
import type { RoomLog } from "../../src/server/rooms/room-log.js";
import { encodeRoomMessage } from "../../src/server/router/encode-entry.js";
import { RoomCursors, type RoomWriter } from "../../src/server/session/room-cursors.js";
import { PreparedFrame } from "../../src/server/wire/prepared-frame.js";

const ROOM = "lobby";
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What a member was sent, in order: room sequences, and `presence` for presence events. */
class Written implements RoomWriter {
  readonly seen: Array<number | "presence"> = [];
  isOpen = true;
  sendText(frame: string): void {
    this.record(frame);
  }
  sendPrepared(frame: PreparedFrame): void {
    this.record(frame.text);
  }
  roomForMore(): Promise<void> | undefined {
    return undefined;
  }
  private record(text: string): void {
    const frame = JSON.parse(text) as { type: string; data: { seq?: number } };
    this.seen.push(frame.type === "presence" ? "presence" : (frame.data.seq ?? -1));
  }
}

/** A room log whose reads are answered only when the test says, so live messages fall between. */
class HeldLog implements Pick<RoomLog, "after"> {
  readonly reads: Array<() => void> = [];
  constructor(private readonly log: MemoryRoomLog) {}
  after(room: string, since: number): ReturnType<RoomLog["after"]> {
    return new Promise((resolve) => {
      this.reads.push(() => resolve(this.log.after(room, since)));
    });
  }
}

async function say(log: MemoryRoomLog, n: number): Promise<RoomMessage> {
  return log.append({ id: `m${n}`, room: ROOM, from: "ann", ts: n, body: { n } }, 1000);
}

const live = (message: RoomMessage): PreparedFrame => new PreparedFrame(encodeRoomMessage(message));
const presence = (): PreparedFrame => {
  const frame: PresenceFrame = { type: "presence", data: { room: ROOM, event: "join", user: "x" } };
  return new PreparedFrame(JSON.stringify(frame));
};

describe("RoomCursors: catching up on a room [ROOM-3]", () => {
  it("sends the log's messages, then the live ones held meanwhile, by sequence, each once", async () => {
    const events = fc.array(
      fc.oneof(
        fc.constant({ kind: "said" as const }),
        fc.record({ kind: fc.constant("arrives" as const), pick: fc.nat() }),
        fc.constant({ kind: "presence" as const }),
        fc.record({ kind: fc.constant("answer" as const) }),
        fc.record({ kind: fc.constant("redeliver" as const), back: fc.nat({ max: 5 }) }),
      ),
      { maxLength: 40 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.nat({ max: 8 }),
        events,
        async (before, since, steps) => {
          const log = new MemoryRoomLog();
          for (let n = 1; n <= before; n++) await say(log, n);
          const from = Math.min(since, before - 1);
          const held = new HeldLog(log);
          const written = new Written();
          const cursors = new RoomCursors(written);
          cursors.follow(ROOM, from, true);
          const caughtUp = cursors.catchUp(ROOM, held);
          const said: RoomMessage[] = [];
          // Said, but not yet arrived here: live messages from several nodes arrive in any order.
          const underway: RoomMessage[] = [];
          let presences = 0;
          for (const step of steps) {
            if (step.kind === "said") {
              const message = await say(log, before + said.length + 1);
              said.push(message);
              underway.push(message);
            } else if (step.kind === "arrives") {
              const [message] = underway.splice(step.pick % Math.max(underway.length, 1), 1);
              if (message) cursors.deliver(ROOM, message.seq, live(message));
            } else if (step.kind === "presence") {
              presences += 1;
              cursors.deliver(ROOM, 0, presence());
            } else if (step.kind === "redeliver") {
              // A message seen again (two nodes, a resent publish): must not be sent twice.
              const again = said.at(-1 - step.back);
              if (again) cursors.deliver(ROOM, again.seq, live(again));
            } else {
              held.reads.shift()?.();
            }
            await settle();
          }
          for (const message of underway.reverse())
            cursors.deliver(ROOM, message.seq, live(message));
          while (held.reads.length > 0) {
            held.reads.shift()?.();
            await settle();
          }
          expect(await caughtUp).toBe(true);
          cursors.release(ROOM);
          const sequences = written.seen.filter((seen) => seen !== "presence");
          const last = before + said.length;
          expect(sequences).toEqual(Array.from({ length: last - from }, (_, i) => from + i + 1));
          expect(written.seen.filter((seen) => seen === "presence")).toHaveLength(presences);
          // Once released, live messages go out at once.
          const after = await say(log, last + 1);
          cursors.deliver(ROOM, after.seq, live(after));
          expect(written.seen.at(-1)).toBe(after.seq);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("holds nothing back when it follows a room without catching up", () => {
    const written = new Written();
    const cursors = new RoomCursors(written);
    cursors.follow(ROOM, 3, false);
    const message = { id: "m", room: ROOM, from: "ann", ts: 0, body: {}, seq: 3 };
    cursors.deliver(ROOM, 3, live(message));
    cursors.deliver(ROOM, 4, live({ ...message, seq: 4 }));
    cursors.deliver(ROOM, 4, live({ ...message, seq: 4 }));
    expect(written.seen).toEqual([4]);
  });

  it("says the gap was not recovered when the log no longer keeps all of it", async () => {
    const log = new MemoryRoomLog();
    for (let n = 1; n <= 5; n++)
      await log.append({ id: `m${n}`, room: ROOM, from: "a", ts: n, body: {} }, 2);
    const written = new Written();
    const cursors = new RoomCursors(written);
    cursors.follow(ROOM, 1, true);
    expect(await cursors.catchUp(ROOM, log)).toBe(false);
    cursors.release(ROOM);
    expect(written.seen).toEqual([4, 5]);
  });
});
