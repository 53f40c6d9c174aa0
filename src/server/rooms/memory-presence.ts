import type { Presence } from "./presence.js";

/** Presence of one node, in process memory. */
export class MemoryPresence implements Presence {
  /** room → user → that user's sessions in the room */
  private readonly rooms = new Map<string, Map<string, Set<string>>>();

  async join(room: string, userId: string, sessionId: string): Promise<boolean> {
    let users = this.rooms.get(room);
    if (!users) {
      users = new Map();
      this.rooms.set(room, users);
    }
    let sessions = users.get(userId);
    const isNew = sessions === undefined;
    if (!sessions) {
      sessions = new Set();
      users.set(userId, sessions);
    }
    sessions.add(sessionId);
    return isNew;
  }

  async leave(room: string, userId: string, sessionId: string): Promise<boolean> {
    const users = this.rooms.get(room);
    const sessions = users?.get(userId);
    if (!users || !sessions?.delete(sessionId) || sessions.size > 0) return false;
    users.delete(userId);
    if (users.size === 0) this.rooms.delete(room);
    return true;
  }

  async members(room: string): Promise<string[]> {
    return [...(this.rooms.get(room)?.keys() ?? [])];
  }

  async sessionCount(room: string): Promise<number> {
    let count = 0;
    for (const sessions of this.rooms.get(room)?.values() ?? []) count += sessions.size;
    return count;
  }
}
