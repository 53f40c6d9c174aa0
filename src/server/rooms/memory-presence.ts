import type { Presence } from "./presence.js";

interface Room {
  /** user → that user's sessions in the room */
  users: Map<string, Set<string>>;
  /** Sessions of all users together, kept as they come and go (rooms.maxMembers asks often). */
  sessions: number;
}

/** Presence of one node, in process memory. */
export class MemoryPresence implements Presence {
  private readonly rooms = new Map<string, Room>();

  async join(room: string, userId: string, sessionId: string): Promise<boolean> {
    let entry = this.rooms.get(room);
    if (!entry) {
      entry = { users: new Map(), sessions: 0 };
      this.rooms.set(room, entry);
    }
    let sessions = entry.users.get(userId);
    const isNew = sessions === undefined;
    if (!sessions) {
      sessions = new Set();
      entry.users.set(userId, sessions);
    }
    if (!sessions.has(sessionId)) {
      sessions.add(sessionId);
      entry.sessions += 1;
    }
    return isNew;
  }

  async leave(room: string, userId: string, sessionId: string): Promise<boolean> {
    const entry = this.rooms.get(room);
    const sessions = entry?.users.get(userId);
    if (!entry || !sessions?.delete(sessionId)) return false;
    entry.sessions -= 1;
    if (sessions.size > 0) return false;
    entry.users.delete(userId);
    if (entry.users.size === 0) this.rooms.delete(room);
    return true;
  }

  async members(room: string): Promise<string[]> {
    return [...(this.rooms.get(room)?.users.keys() ?? [])];
  }

  async sessionCount(room: string): Promise<number> {
    return this.rooms.get(room)?.sessions ?? 0;
  }
}
