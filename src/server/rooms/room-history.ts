import type { RoomMessage } from "../../protocol/index.js";

interface RoomLog {
  /** Sequence of the room's latest message (0 before the first). */
  last: number;
  kept: RoomMessage[];
}

/**
 * Each room's sequence and its last N messages, in process memory: lets a client that
 * rejoins with `since` get what it missed, or learn that the gap is too old to fill [ROOM-3].
 */
export class RoomHistory {
  private readonly logs = new Map<string, RoomLog>();

  /** Numbers the message and keeps it if the room keeps history. */
  append(message: Omit<RoomMessage, "seq">, keep: number): RoomMessage {
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

  position(room: string): number {
    return this.logs.get(room)?.last ?? 0;
  }

  /**
   * Messages after `since`, and whether they are all there is: false when some that came
   * after `since` are no longer kept.
   */
  after(room: string, since: number): { messages: RoomMessage[]; recovered: boolean } {
    const log = this.logs.get(room);
    if (!log || since >= log.last) return { messages: [], recovered: true };
    const messages = log.kept.filter((m) => m.seq > since);
    const recovered = messages.length > 0 && (messages[0] as RoomMessage).seq === since + 1;
    return { messages, recovered };
  }

  /** Drops a room that keeps nothing and has no one left: its numbering starts again. */
  forget(room: string): void {
    const log = this.logs.get(room);
    if (log && log.kept.length === 0) this.logs.delete(room);
  }

  private log(room: string): RoomLog {
    let log = this.logs.get(room);
    if (!log) {
      log = { last: 0, kept: [] };
      this.logs.set(room, log);
    }
    return log;
  }
}
