import type { JsonObject, RoomMessage } from "../protocol/index.js";
import { PostofficeError } from "./errors.js";
import type { Frame } from "./reply-waiters.js";
import type { RoomReset } from "./types.js";

interface JoinedData {
  position: number;
  recovered: boolean;
}

/** What a {@link RoomTracker} asks of the client it serves. */
export interface RoomTrackerHooks {
  /** Sends a request; `onAnswer` runs as soon as the answer is read. */
  request(type: string, data: JsonObject, onAnswer: (frame: Frame) => void): Promise<Frame>;
  reset(event: RoomReset): void;
  /** An automatic rejoin was refused: the room is forgotten. */
  rejoinFailed(error: PostofficeError): void;
}

/**
 * The rooms the application joined (and has not left), and the last `seq` it was handed in
 * each: rejoined from there after a reconnect, with a `roomReset` when what was missed cannot
 * all be replayed; messages of other rooms, or seen before, are dropped.
 */
export class RoomTracker {
  /** The rooms the application joined (and has not left): rejoined after a reconnect. */
  private readonly rooms = new Set<string>();
  /** The last room `seq` handed to the application, per room. */
  private readonly positions = new Map<string, number>();

  constructor(private readonly hooks: RoomTrackerHooks) {}

  has(room: string): boolean {
    return this.rooms.has(room);
  }

  async join(room: string): Promise<{ position: number; recovered: boolean }> {
    const wasJoined = this.rooms.has(room);
    // Messages replayed before `joined` belong to the room from now on.
    this.rooms.add(room);
    const since = this.positions.get(room);
    let frame: Frame;
    try {
      frame = await this.hooks.request(
        "join",
        { room, ...(since === undefined ? {} : { since }) },
        (f) => this.applyJoined(room, since, f.data as JoinedData),
      );
    } catch (error) {
      if (!wasJoined) {
        this.rooms.delete(room);
        this.positions.delete(room);
      }
      throw error;
    }
    const data = frame.data as JoinedData;
    return { position: data.position, recovered: data.recovered };
  }

  /** From now on the room's messages are ignored, and it is not rejoined. */
  leave(room: string): void {
    this.rooms.delete(room);
    this.positions.delete(room);
  }

  /** After a welcome: joins every room again, from the last `seq` handed over. */
  rejoinAll(): void {
    for (const room of this.rooms) this.rejoin(room);
  }

  /** True when `message` is new and of a joined room; it becomes the room's position. */
  accept(message: RoomMessage): boolean {
    // A message already on its way when the application left the room.
    if (!this.rooms.has(message.room)) return false;
    const last = this.positions.get(message.room);
    if (last !== undefined && message.seq <= last) return false;
    this.positions.set(message.room, message.seq);
    return true;
  }

  private rejoin(room: string): void {
    const since = this.positions.get(room);
    this.hooks
      .request("join", { room, ...(since === undefined ? {} : { since }) }, (frame) => {
        const data = frame.data as JoinedData;
        const reset = this.applyJoined(room, since, data);
        if (since !== undefined && (reset || !data.recovered)) {
          this.hooks.reset({
            room,
            since,
            position: data.position,
            recovered: data.recovered,
            renumbered: reset,
          });
        }
      })
      .then(
        () => undefined,
        (error: unknown) => {
          // A dropped connection: the next welcome tries again.
          if (!(error instanceof PostofficeError) || error.code === "closed") return;
          if (!this.rooms.has(room)) return;
          this.rooms.delete(room);
          this.positions.delete(room);
          this.hooks.rejoinFailed(
            new PostofficeError(error.code, `Could not rejoin ${room}: ${error.message}`, {
              ...error.details,
              room,
            }),
          );
        },
      );
  }

  /** Takes in a `joined`; true when the room's numbering started again (position < since). */
  private applyJoined(room: string, since: number | undefined, data: JoinedData): boolean {
    if (!this.rooms.has(room)) return false; // left meanwhile
    const current = this.positions.get(room);
    if (since !== undefined && data.position < since) {
      this.positions.set(room, data.position);
      return true;
    }
    if (current === undefined) this.positions.set(room, data.position);
    return false;
  }
}
