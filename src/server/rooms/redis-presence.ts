import type { RedisConnection, RedisConnector } from "../redis/redis-connection.js";
import type { Presence } from "./presence.js";

// A room is one hash: field "userId \0 sessionId" → the session's expiry (epoch ms). Every
// script first sweeps expired fields, so a dead node's sessions go at the next look.
// The user of a field is what precedes its last \0 (session ids are ours and hold no \0).
const SWEEP = `
local function live(key, now)
  local all = redis.call("HGETALL", key)
  local fields = {}
  for i = 1, #all, 2 do
    if tonumber(all[i + 1]) > now then
      fields[#fields + 1] = all[i]
    else
      redis.call("HDEL", key, all[i])
    end
  end
  return fields
end
local function has_user(fields, user)
  for _, field in ipairs(fields) do
    if string.match(field, "^(.*)%z") == user then return true end
  end
  return false
end
-- The whole hash also expires, in case every node serving the room is gone.
local function keep(key, ttl)
  if redis.call("PTTL", key) < ttl then redis.call("PEXPIRE", key, ttl) end
end
`;

// ARGV: now, expiry, ttl, userId, field. 1 when the user had no live session in the room.
const JOIN = `${SWEEP}
local first = not has_user(live(KEYS[1], tonumber(ARGV[1])), ARGV[4])
redis.call("HSET", KEYS[1], ARGV[5], ARGV[2])
keep(KEYS[1], tonumber(ARGV[3]))
if first then return 1 end
return 0
`;

// ARGV: now, userId, field. 1 when this live session was the user's last in the room.
const LEAVE = `${SWEEP}
local now = tonumber(ARGV[1])
local expiry = tonumber(redis.call("HGET", KEYS[1], ARGV[3]) or "0")
redis.call("HDEL", KEYS[1], ARGV[3])
local others = has_user(live(KEYS[1], now), ARGV[2])
if expiry > now and not others then return 1 end
return 0
`;

// ARGV: now. The live fields.
const LIVE = `${SWEEP}
return live(KEYS[1], tonumber(ARGV[1]))
`;

// ARGV: now. How many live fields, counted in Redis rather than sent over to be counted.
const COUNT = `${SWEEP}
return #live(KEYS[1], tonumber(ARGV[1]))
`;

// ARGV: expiry, ttl, fields... Also puts back a session that expired (say, while Redis was
// unreachable): the node still serves it, so it is present.
const REFRESH = `${SWEEP}
for i = 3, #ARGV do redis.call("HSET", KEYS[1], ARGV[i], ARGV[1]) end
keep(KEYS[1], tonumber(ARGV[2]))
return 0
`;

export interface RedisPresenceOptions {
  /** Makes the presence's connection (the composition root's, under its policy). */
  connect: RedisConnector;
  keyPrefix: string;
  /** A session not refreshed for this long is gone. Default 30000. */
  ttlMs?: number;
  /** Epoch ms (tests pass a fake). Expiries are the nodes' clocks: keep skew well under ttlMs. */
  clock?: () => number;
}

/** One session of this node in one room, as `refresh` renews it. */
export interface PresenceEntry {
  room: string;
  userId: string;
  sessionId: string;
}

/**
 * Presence shared by every node through Redis, with expiry: each session's entry lives
 * `ttlMs`, and the node calls `refresh` with all its sessions every `ttlMs / 3`, so a node
 * that dies leaves no ghost for longer than `ttlMs`. `join` and `leave` are Lua scripts, atomic
 * across nodes, sent whole (EVAL) each time: a Redis that forgot its scripts cannot refuse
 * them, so no call is ever retried, and none can overtake another. While Redis is down calls
 * reject at once; call `whenReady()` before the first.
 */
export class RedisPresence implements Presence {
  readonly ttlMs: number;
  private readonly connection: RedisConnection;
  private readonly clock: () => number;

  constructor(private readonly options: RedisPresenceOptions) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.clock = options.clock ?? Date.now;
    this.connection = options.connect({ name: "presence" });
  }

  /** Resolves once the connection is up (at once if it is). */
  whenReady(): Promise<void> {
    return this.connection.whenUp();
  }

  async join(room: string, userId: string, sessionId: string): Promise<boolean> {
    const now = this.clock();
    const first = await this.redis.eval(
      JOIN,
      1,
      this.key(room),
      now,
      now + this.ttlMs,
      this.ttlMs,
      userId,
      field(userId, sessionId),
    );
    return first === 1;
  }

  async leave(room: string, userId: string, sessionId: string): Promise<boolean> {
    const last = await this.redis.eval(
      LEAVE,
      1,
      this.key(room),
      this.clock(),
      userId,
      field(userId, sessionId),
    );
    return last === 1;
  }

  async members(room: string): Promise<string[]> {
    return [...new Set((await this.live(room)).map(userOf))];
  }

  async sessionCount(room: string): Promise<number> {
    const count = await this.redis.eval(COUNT, 1, this.key(room), this.clock());
    if (typeof count !== "number") throw new Error(`presence script returned ${typeof count}`);
    return count;
  }

  /** Renews this node's sessions: one script per room, all sent at once. */
  async refresh(entries: Iterable<PresenceEntry>): Promise<void> {
    const rooms = new Map<string, string[]>();
    for (const { room, userId, sessionId } of entries) {
      const fields = rooms.get(room) ?? [];
      fields.push(field(userId, sessionId));
      rooms.set(room, fields);
    }
    const expiry = this.clock() + this.ttlMs;
    await Promise.all(
      [...rooms].map(([room, fields]) =>
        this.redis.eval(REFRESH, 1, this.key(room), expiry, this.ttlMs, ...fields),
      ),
    );
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private get redis() {
    return this.connection.redis;
  }

  private async live(room: string): Promise<string[]> {
    const fields = await this.redis.eval(LIVE, 1, this.key(room), this.clock());
    if (!Array.isArray(fields)) throw new Error(`presence script returned ${typeof fields}`);
    return fields.map(String);
  }

  private key(room: string): string {
    return `${this.options.keyPrefix}presence:${room}`;
  }
}

function field(userId: string, sessionId: string): string {
  return `${userId}\u0000${sessionId}`;
}

function userOf(field: string): string {
  return field.slice(0, field.lastIndexOf("\u0000"));
}
