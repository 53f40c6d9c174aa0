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
 * The rooms the client is in, and the last `seq` it was handed in each: those the application
 * joined (and has not left), rejoined from there after a reconnect, and those the server joined
 * it to (chat mode's room), which the server joins it to again after each welcome. A `roomReset`
 * says when what was missed cannot all be replayed; messages of other rooms, or seen before,
 * are dropped.
 */
export class RoomTracker {
  /** The rooms the client is in (and the application has not left). */
  private readonly rooms = new Set<string>();
  /** The last room `seq` handed to the application, per room. */
  private readonly positions = new Map<string, number>();
  /**
   * Rooms the last welcome said the server joins the client to, not confirmed yet, with the
   * position the client had in each then: the server rejoins them, the client does not.
   */
  private readonly serverJoins = new Map<string, number | undefined>();

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
    this.serverJoins.delete(room);
  }

  /**
   * A welcome named the rooms the server joins the client to: the client is in them from now
   * on, before any of their frames arrive; their `joined` (by the server) follows [ROOM-4].
   */
  arriving(rooms: readonly string[]): void {
    this.serverJoins.clear();
    for (const room of rooms) {
      this.rooms.add(room);
      this.serverJoins.set(room, this.positions.get(room));
    }
  }

  /** After a welcome: joins every room again, from the last `seq` handed over, but the server's. */
  rejoinAll(): void {
    for (const room of this.rooms) if (!this.serverJoins.has(room)) this.rejoin(room);
  }

  /**
   * The server joined the client to a room (`joined` without `ref`), from its `position`: what
   * came after the client's position in it before that was not sent, which a `roomReset` says.
   */
  serverJoined(room: string, position: number): void {
    const since = this.serverJoins.has(room)
      ? this.serverJoins.get(room)
      : this.positions.get(room);
    this.serverJoins.delete(room);
    this.rooms.add(room);
    const current = this.positions.get(room);
    if (since === undefined || position === since) {
      if (current === undefined) this.positions.set(room, position);
      return;
    }
    const renumbered = position < since;
    if (renumbered || current === undefined || current < position) {
      this.positions.set(room, position);
    }
    this.hooks.reset({ room, since, position, recovered: false, renumbered });
  }

  /** A join the server announced failed (`left` without `ref`): the client is not in the room. */
  serverLeft(room: string): void {
    this.leave(room);
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
