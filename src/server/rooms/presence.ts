/**
 * Who is in which room, counted per user: a second device of a user in a room is not a new
 * member, and a user leaves only with their last device.
 *
 * Contract (every implementation): `join` and `leave` are idempotent per (room, session);
 * `join` resolves true only when the user was not in the room before, `leave` true only when
 * that session was the user's last one in it. `members` lists each user once. A node that
 * dies without leaving must not keep its sessions forever: distributed implementations
 * expire them (the in-process one dies with its node).
 */
export interface Presence {
  join(room: string, userId: string, sessionId: string): Promise<boolean>;
  leave(room: string, userId: string, sessionId: string): Promise<boolean>;
  members(room: string): Promise<string[]>;
  /** Sessions in the room, all users together (for rooms.maxMembers). */
  sessionCount(room: string): Promise<number>;
}
