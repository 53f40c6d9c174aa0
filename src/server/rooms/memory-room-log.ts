import type { RoomMessage } from "../../protocol/index.js";
import type { RoomLog } from "./room-log.js";

interface Kept {
  /** Sequence of the room's latest message (0 before the first). */
  last: number;
  kept: RoomMessage[];
  /** The size of each kept message, in the order of `kept`. */
  sizes: number[];
  bytes: number;
  /** When the room was left by its last member, while it still keeps messages. */
  emptySince: number | undefined;
}

/** `rooms.historyMaxBytes` and `rooms.emptyRoomIdleMs`: what a node's rooms may hold, and for how long. */
export interface MemoryRoomLogOptions {
  /** Bytes of kept messages, all rooms together; 0: no bound. */
  maxBytes: number;
  /** An empty room's kept messages are forgotten this long after its last member left. */
  emptyIdleMs: number;
  clock?: () => number;
}

/** What a kept message costs besides its JSON: the object, its strings, the array slot. */
const OVERHEAD_BYTES = 200;

/**
 * The room log of one node, in process memory, bounded [ROOM-5]: the kept messages of all
 * rooms together hold at most `maxBytes` (the rooms that spoke least recently give up their
 * oldest messages first), and a room that nobody is in any more is forgotten `emptyIdleMs`
 * after its last member left, history and numbering with it.
 */
export class MemoryRoomLog implements RoomLog {
  private readonly logs = new Map<string, Kept>();
  /** The rooms that keep messages, those that spoke least recently first. */
  private readonly holding = new Map<string, Kept>();
  private readonly empty = new Set<string>();
  private bytes = 0;
  private readonly clock: () => number;
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: MemoryRoomLogOptions = DEFAULTS) {
    this.clock = options.clock ?? Date.now;
    if (options.emptyIdleMs > 0) {
      this.sweeper = setInterval(
        () => this.forgetIdle(),
        Math.min(options.emptyIdleMs, SWEEP_MAX_MS),
      );
      this.sweeper.unref();
    }
  }

  /** Bytes of kept messages, all rooms together. */
  get keptBytes(): number {
    return this.bytes;
  }

  /** Rooms remembered (their numbering, and what they keep). */
  get rooms(): number {
    return this.logs.size;
  }

  /** Numbers the message and keeps it if the room keeps history. */
  async append(message: Omit<RoomMessage, "seq">, keep: number): Promise<RoomMessage> {
    const log = this.log(message.room);
    this.inUse(message.room, log);
    const stored: RoomMessage = { ...message, seq: log.last + 1 };
    log.last = stored.seq;
    if (keep > 0) {
      const size = sizeOf(stored);
      log.kept.push(stored);
      log.sizes.push(size);
      log.bytes += size;
      this.bytes += size;
      if (log.kept.length > keep) this.drop(log, log.kept.length - keep);
      // Now the room that spoke last.
      this.holding.delete(message.room);
      if (log.kept.length > 0) this.holding.set(message.room, log);
      this.trim();
    } else if (log.kept.length > 0) {
      this.drop(log, log.kept.length);
      this.holding.delete(message.room);
    }
    return stored;
  }

  async position(room: string): Promise<number> {
    const log = this.logs.get(room);
    if (log !== undefined) this.inUse(room, log);
    return log?.last ?? 0;
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
    if (log !== undefined) this.inUse(room, log);
    if (!log || since >= log.last) return { messages: [], recovered: true };
    const messages = log.kept.filter((m) => m.seq > since);
    const recovered = messages.length > 0 && (messages[0] as RoomMessage).seq === since + 1;
    return { messages, recovered };
  }

  /**
   * The room has no one left: forgotten now if it keeps nothing (its numbering starts
   * again), else once it has stayed empty for `emptyIdleMs`.
   */
  async forget(room: string): Promise<void> {
    const log = this.logs.get(room);
    if (log === undefined) return;
    if (log.kept.length === 0) {
      this.remove(room, log);
      return;
    }
    log.emptySince = this.clock();
    this.empty.add(room);
  }

  async close(): Promise<void> {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.logs.clear();
    this.holding.clear();
    this.empty.clear();
    this.bytes = 0;
  }

  /** Forgets the rooms that have been empty for `emptyIdleMs` (run by the sweeper). */
  forgetIdle(): void {
    const now = this.clock();
    for (const room of this.empty) {
      const log = this.logs.get(room);
      if (log?.emptySince !== undefined && now - log.emptySince >= this.options.emptyIdleMs) {
        this.remove(room, log);
      }
    }
  }

  private log(room: string): Kept {
    let log = this.logs.get(room);
    if (!log) {
      log = { last: 0, kept: [], sizes: [], bytes: 0, emptySince: undefined };
      this.logs.set(room, log);
    }
    return log;
  }

  /** Someone is in the room again (a join reads its position): it is not idle. */
  private inUse(room: string, log: Kept): void {
    if (log.emptySince === undefined) return;
    log.emptySince = undefined;
    this.empty.delete(room);
  }

  /** Past the budget: the oldest messages of the rooms that spoke least recently go first. */
  private trim(): void {
    const { maxBytes } = this.options;
    if (maxBytes === 0) return;
    for (const [room, log] of this.holding) {
      if (this.bytes <= maxBytes) return;
      let count = 0;
      let freed = 0;
      while (count < log.kept.length && this.bytes - freed > maxBytes) {
        freed += log.sizes[count] ?? 0;
        count += 1;
      }
      this.drop(log, count);
      if (log.kept.length === 0) this.holding.delete(room);
    }
  }

  private drop(log: Kept, count: number): void {
    log.kept.splice(0, count);
    let freed = 0;
    for (const size of log.sizes.splice(0, count)) freed += size;
    log.bytes -= freed;
    this.bytes -= freed;
  }

  private remove(room: string, log: Kept): void {
    this.bytes -= log.bytes;
    this.logs.delete(room);
    this.holding.delete(room);
    this.empty.delete(room);
  }
}

const DEFAULTS: MemoryRoomLogOptions = { maxBytes: 64 * 1024 * 1024, emptyIdleMs: 3_600_000 };
/** How often empty rooms are looked at, at most: an idle time is kept to within this. */
const SWEEP_MAX_MS = 60_000;

function sizeOf(message: RoomMessage): number {
  return (
    OVERHEAD_BYTES +
    Buffer.byteLength(JSON.stringify(message.body)) +
    Buffer.byteLength(message.room) +
    Buffer.byteLength(message.from) +
    message.id.length
  );
}
