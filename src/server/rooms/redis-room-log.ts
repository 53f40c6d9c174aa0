import { Redis } from "ioredis";
import type { RoomMessage } from "../../protocol/index.js";
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
  url: string;
  keyPrefix: string;
  /** A room with no message for this long is forgotten (its numbering restarts). */
  idleTtlMs: number;
}

/** Room sequences and kept messages in Redis, shared by every node that serves a room. */
export class RedisRoomLog implements RoomLog {
  private readonly redis: Redis;

  constructor(private readonly options: RedisRoomLogOptions) {
    // Commands wait for a (re)connection, but not for long: a room message fails fast while
    // Redis is away instead of piling up.
    this.redis = new Redis(options.url, { maxRetriesPerRequest: 1, commandTimeout: 2000 });
    this.redis.on("error", () => undefined); // the failing command reports it to its caller
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
    this.redis.disconnect();
  }

  private keys(room: string): { seq: string; log: string } {
    return {
      seq: `${this.options.keyPrefix}room:${room}:seq`,
      log: `${this.options.keyPrefix}room:${room}:log`,
    };
  }
}
