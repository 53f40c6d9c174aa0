import type { RoomMessage } from "../../protocol/index.js";

/**
 * Each room's sequence and the last messages it keeps, for members who rejoin with `since`
 * [ROOM-3]. Shared by every node that serves the room (Redis), or the node's own (memory).
 *
 * Contract: `append` numbers a room's messages 1, 2, 3, ... in call order, never reusing a
 * number while the room is remembered, and keeps the last `keep`; `after(room, since)` returns
 * the kept messages with `seq > since` in order and whether they are all that came after
 * `since` (false when some are no longer kept, or the room's numbering restarted).
 */
export interface RoomLog {
  append(message: Omit<RoomMessage, "seq">, keep: number): Promise<RoomMessage>;
  position(room: string): Promise<number>;
  after(room: string, since: number): Promise<{ messages: RoomMessage[]; recovered: boolean }>;
  /** The room has no members left anywhere: an implementation may forget a room that keeps nothing. */
  forget(room: string): Promise<void>;
  close(): Promise<void>;
}
