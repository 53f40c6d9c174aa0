import type { RoomLog } from "../rooms/room-log.js";
import { encodeRoomMessage } from "../router/encode-entry.js";
import type { PreparedFrame } from "../wire/prepared-frame.js";

/** What the cursors write to: their session. */
export interface RoomWriter {
  readonly isOpen: boolean;
  sendText(frame: string): void;
  sendPrepared(frame: PreparedFrame): void;
  /** Undefined while the client can take more; otherwise resolves when it can. */
  roomForMore(): Promise<void> | undefined;
}

interface Held {
  seq: number;
  frame: PreparedFrame;
}

/**
 * One session's rooms, each with the last room sequence it was sent, so that a member gets
 * each sequence once and in order [ROOM-2]; and the live messages it holds back while it
 * catches up on a room's log, sent after the log's [ROOM-3]. Made on a session's first join.
 */
export class RoomCursors {
  private readonly positions = new Map<string, number>();
  /** Rooms being caught up on, with what arrived live meanwhile; made on the first catch-up. */
  private holds: Map<string, Held[]> | undefined;

  constructor(private readonly writer: RoomWriter) {}

  get size(): number {
    return this.positions.size;
  }

  has(room: string): boolean {
    return this.positions.has(room);
  }

  rooms(): string[] {
    return [...this.positions.keys()];
  }

  follow(room: string, after: number, hold: boolean): void {
    this.positions.set(room, after);
    if (hold) {
      this.holds ??= new Map();
      this.holds.set(room, []);
    }
  }

  leave(room: string): void {
    this.positions.delete(room);
  }

  /** A live message or presence event (sequence 0): held during a catch-up, else sent once. */
  deliver(room: string, seq: number, frame: PreparedFrame): void {
    const held = this.holds?.get(room);
    if (held !== undefined) held.push({ seq, frame });
    else this.send(room, seq, frame);
  }

  /** Sends the log's messages after this room's position, page by page, paced to the reader. */
  async catchUp(room: string, log: Pick<RoomLog, "after">): Promise<boolean> {
    let recovered: boolean | undefined;
    for (;;) {
      const cursor = this.positions.get(room);
      if (cursor === undefined) return recovered ?? true;
      const missed = await log.after(room, cursor);
      recovered ??= missed.recovered;
      if (missed.messages.length === 0) return recovered;
      for (const message of missed.messages) {
        // Paced to the reader, like a mailbox replay: a long history must not cut it off.
        const wait = this.writer.roomForMore();
        if (wait !== undefined) await wait;
        if (!this.writer.isOpen) return recovered;
        if (!this.positions.has(room)) return recovered;
        this.positions.set(room, message.seq);
        this.writer.sendText(encodeRoomMessage(message));
      }
    }
  }

  /** Ends a hold: what arrived meanwhile is sent now, by sequence, past what the log sent. */
  release(room: string): void {
    const held = this.holds?.get(room);
    if (held === undefined) return;
    this.holds?.delete(room);
    if (!this.positions.has(room)) return;
    held.sort((a, b) => a.seq - b.seq);
    for (const { seq, frame } of held) this.send(room, seq, frame);
  }

  private send(room: string, seq: number, frame: PreparedFrame): void {
    if (seq > 0) {
      const last = this.positions.get(room);
      if (last === undefined || seq <= last) return;
      this.positions.set(room, seq);
    }
    this.writer.sendPrepared(frame);
  }
}
