import type { PreparedFrame } from "../wire/prepared-frame.js";
import type { RoomLog } from "./room-log.js";

/**
 * A session as the rooms see it; the session implements it (session/session.ts), so rooms and
 * the router know no sessions or sockets. A member keeps its own position in each room it
 * follows: it is sent each room sequence at most once, in order [ROOM-2], and while it catches
 * up on a room's log it holds that room's live messages, to send them after the log's [ROOM-3].
 */
export interface RoomMember {
  /** Names the member in presence (a session id). */
  readonly id: string;
  /** How many rooms the member is in (for `rooms.maxPerConnection`). */
  readonly roomCount: number;
  inRoom(room: string): boolean;
  /** The rooms the member is in: a copy, which the caller may walk while leaving them. */
  roomList(): string[];
  /**
   * Starts following a room: its live messages with a sequence above `after` are the member's.
   * With `hold`, they are kept back until `releaseRoom` (a catch-up is about to run).
   */
  followRoom(room: string, after: number, hold: boolean): void;
  /**
   * Sends the messages of the room's log after the member's position, paced to the client;
   * resolves whether the log still had all of them (`recovered`).
   */
  catchUpRoom(room: string, log: Pick<RoomLog, "after">): Promise<boolean>;
  /** Ends a hold: what arrived meanwhile is sent now, by sequence, each once. */
  releaseRoom(room: string): void;
  /** A live message of a followed room (a presence event has sequence 0 and is always sent). */
  deliverRoom(room: string, seq: number, frame: PreparedFrame): void;
  /** Stops following the room. */
  leaveRoom(room: string): void;
}
