import type { RoomMessage } from "../../protocol/index.js";
import type { RoomLog } from "./room-log.js";

interface Kept {
  /** Sequence of the room's latest message (0 before the first). */
  last: number;
  kept: RoomMessage[];
}

/** The room log of one node, in process memory. */
export class MemoryRoomLog implements RoomLog {
  private readonly logs = new Map<string, Kept>();

  /** Numbers the message and keeps it if the room keeps history. */
  async append(message: Omit<RoomMessage, "seq">, keep: number): Promise<RoomMessage> {
    const log = this.log(message.room);
    const stored: RoomMessage = { ...message, seq: log.last + 1 };
    log.last = stored.seq;
    if (keep > 0) {
      log.kept.push(stored);
      if (log.kept.length > keep) log.kept.splice(0, log.kept.length - keep);
    } else if (log.kept.length > 0) {
      log.kept = [];
    }
    return stored;
  }

  async position(room: string): Promise<number> {
    return this.logs.get(room)?.last ?? 0;
  }

  /**
   * Messages after `since`, and whether they are all there is: false when some that came
   * after `since` are no longer kept.
   */
  async after(
    room: string,
    since: number,
  ): Promise<{ messages: RoomMessage[]; recovered: boolean }> {
    const log = this.logs.get(room);
    if (!log || since >= log.last) return { messages: [], recovered: true };
    const messages = log.kept.filter((m) => m.seq > since);
    const recovered = messages.length > 0 && (messages[0] as RoomMessage).seq === since + 1;
    return { messages, recovered };
  }

  /** Drops a room that keeps nothing and has no one left: its numbering starts again. */
  async forget(room: string): Promise<void> {
    const log = this.logs.get(room);
    if (log && log.kept.length === 0) this.logs.delete(room);
  }

  async close(): Promise<void> {
    this.logs.clear();
  }

  private log(room: string): Kept {
    let log = this.logs.get(room);
    if (!log) {
      log = { last: 0, kept: [] };
      this.logs.set(room, log);
    }
    return log;
  }
}
