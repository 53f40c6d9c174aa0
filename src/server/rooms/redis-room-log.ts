import type { RoomMessage } from "../../protocol/index.js";
import type { RedisConnection, RedisConnector } from "../redis/redis-connection.js";
import type { RoomLog } from "./room-log.js";

// Numbers the message and keeps it, atomically. The message is stored as "seq\njson" and
// never re-encoded by Lua (cjson would turn an empty array in the body into an object).
const APPEND = `
local seq = redis.call("INCR", KEYS[1])
redis.call("PEXPIRE", KEYS[1], ARGV[3])
local keep = tonumber(ARGV[2])
if keep > 0 then
  redis.call("LPUSH", KEYS[2], seq .. "\\n" .. ARGV[1])
  redis.call("LTRIM", KEYS[2], 0, keep - 1)
  redis.call("PEXPIRE", KEYS[2], ARGV[3])
else
  redis.call("DEL", KEYS[2])
end
return seq
`;

export interface RedisRoomLogOptions {
  /** Makes the room log's connection (the composition root's, under its policy). */
  connect: RedisConnector;
  keyPrefix: string;
  /** A room with no message for this long is forgotten (its numbering restarts). */
  idleTtlMs: number;
}

/**
 * Room sequences and kept messages in Redis, shared by every node that serves a room. The
 * script is sent whole (EVAL) each time: a Redis that forgot it cannot refuse it, so no append
 * is retried, and none can overtake another. While Redis is away calls reject at once; call
 * `whenReady()` before the first.
 */
export class RedisRoomLog implements RoomLog {
  private readonly connection: RedisConnection;

  constructor(private readonly options: RedisRoomLogOptions) {
    this.connection = options.connect({ name: "room-log" });
  }

  /** Resolves once the connection is up (at once if it is). */
  whenReady(): Promise<void> {
    return this.connection.whenUp();
  }

  async append(message: Omit<RoomMessage, "seq">, keep: number): Promise<RoomMessage> {
    const { seq, log } = this.keys(message.room);
    const number = (await this.redis.eval(
      APPEND,
      2,
      seq,
      log,
      // A room that keeps no history needs only its number: nothing to encode or send.
      keep > 0 ? JSON.stringify(message) : "",
      String(keep),
      String(this.options.idleTtlMs),
    )) as number;
    return { ...message, seq: number };
  }

  async position(room: string): Promise<number> {
    return Number((await this.redis.get(this.keys(room).seq)) ?? 0);
  }

  async after(
    room: string,
    since: number,
  ): Promise<{ messages: RoomMessage[]; recovered: boolean }> {
    const [position, kept] = await Promise.all([
      this.position(room),
      this.redis.lrange(this.keys(room).log, 0, -1),
    ]);
    if (since >= position) return { messages: [], recovered: true };
    const messages = kept
      .map((entry) => {
        const newline = entry.indexOf("\n");
        return {
          ...(JSON.parse(entry.slice(newline + 1)) as Omit<RoomMessage, "seq">),
          seq: Number(entry.slice(0, newline)),
        };
      })
      .filter((message) => message.seq > since)
      .sort((a, b) => a.seq - b.seq);
    const recovered = messages.length > 0 && (messages[0] as RoomMessage).seq === since + 1;
    return { messages, recovered };
  }

  /** Other nodes may still serve the room: its keys expire by themselves when it goes idle. */
  async forget(): Promise<void> {}

  async close(): Promise<void> {
    await this.connection.close();
  }

  private get redis() {
    return this.connection.redis;
  }

  private keys(room: string): { seq: string; log: string } {
    return {
      seq: `${this.options.keyPrefix}room:${room}:seq`,
      log: `${this.options.keyPrefix}room:${room}:log`,
    };
  }
}
