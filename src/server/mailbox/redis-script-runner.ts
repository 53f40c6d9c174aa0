import { createHash, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { RedisConnection } from "../redis/redis-connection.js";
import { NotSentError } from "./redis-outcome.js";
import type { LuaScript } from "./redis-scripts.js";

interface Call {
  script: LuaScript;
  keys: string[];
  args: string[];
  resolve(reply: unknown): void;
  reject(error: Error): void;
  /** Times sent and answered NOSCRIPT. */
  refusals: number;
  timer?: NodeJS.Timeout;
}

/** A call answered NOSCRIPT this many times in a row fails, rather than going round for ever. */
const MAX_REFUSALS = 3;

/**
 * Runs a store's Lua scripts by SHA on one connection, in call order, whatever Redis forgets.
 *
 * Appends to one mailbox keep their call order (the MessageStore contract), and Redis runs one
 * connection's commands in the order they arrive. A restarted Redis, or `SCRIPT FLUSH`,
 * forgets the scripts; retrying each call on its own NOSCRIPT (EVALSHA, then EVAL) lets a
 * later call overtake an earlier one: the later one's EVALSHA runs once the earlier one's EVAL
 * has loaded the script, before the earlier one's retry arrives. So:
 * - every (re)connection loads the scripts before the connection counts as up (`load`, the
 *   connection's `prepare`), and calls made meanwhile wait, in order, for at most `waitMs`;
 * - a NOSCRIPT stops sending: calls made from then on wait behind it, and once every call in
 *   flight has been answered, the scripts are loaded again and the calls refused are sent
 *   again first, in the order they were first sent, then those that waited;
 * - the scripts carry a salt of this runner's own, so that their SHAs are this runner's only:
 *   no other node can load them back in the middle of a refused run, where a later call would
 *   succeed before an earlier one is sent again. (Each node start adds its scripts, a few
 *   kilobytes, to Redis's script cache; SCRIPT FLUSH reclaims them safely.)
 * While the connection is not ready, a call rejects at once: nothing waits for a Redis that
 * may not come back (that wait would be an offline queue).
 *
 * A call that fails before it is sent, or is refused NOSCRIPT and not sent again, rejects with
 * NotSentError; one that fails after it was sent rejects with the client's error, and may have
 * run (redis-outcome.ts).
 */
export class ScriptRunner {
  /** Each script's salted source and its SHA. */
  private readonly salted = new Map<LuaScript, { source: string; sha: string }>();
  private loaded = false;
  private reloading = false;
  /** Counts lost connections, so that a reload begun on a lost one is not taken for the new one's. */
  private connections = 0;
  private inFlight = 0;
  /** Sent and answered NOSCRIPT, in the order sent: sent again first. */
  private readonly refused: Call[] = [];
  /** Made while the scripts were not loaded or the connection not up, in call order. */
  private readonly held: Call[] = [];

  constructor(
    private readonly connection: RedisConnection,
    scripts: readonly LuaScript[],
    private readonly waitMs: number,
  ) {
    const salt = `-- postoffice ${randomUUID()}\n`;
    for (const script of scripts) {
      const source = salt + script.source;
      this.salted.set(script, { source, sha: createHash("sha1").update(source).digest("hex") });
    }
    connection.onChange((up) => {
      if (up) this.release();
    });
    connection.redis.on("close", () => {
      this.connections += 1;
      this.loaded = false;
      this.rejectWaiting(new NotSentError("the connection to Redis was lost; nothing was sent"));
    });
  }

  /** Loads every script; the connection's `prepare`, so it runs on every (re)connection. */
  async load(redis: Redis): Promise<void> {
    this.loaded = false;
    await Promise.all(
      [...this.salted.values()].map(async ({ source, sha }) => {
        const loaded = await redis.script("LOAD", source);
        if (loaded !== sha) throw new Error(`SCRIPT LOAD answered ${String(loaded)}, not ${sha}`);
      }),
    );
    this.loaded = true;
  }

  run(script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call: Call = { script, keys, args, resolve, reject, refusals: 0 };
      if (this.sendable() && this.held.length === 0 && this.refused.length === 0) this.send(call);
      else if (this.connection.starting || this.connection.redis.status === "ready")
        this.hold(call);
      else reject(new NotSentError(`Redis is not connected (${this.connection.redis.status})`));
    });
  }

  private sendable(): boolean {
    return this.loaded && !this.reloading && this.connection.up;
  }

  private hold(call: Call): void {
    call.timer = setTimeout(() => {
      const index = this.held.indexOf(call);
      if (index === -1) return;
      this.held.splice(index, 1);
      call.reject(
        new NotSentError(`Redis was not ready within ${this.waitMs} ms; nothing was sent`),
      );
    }, this.waitMs);
    call.timer.unref();
    this.held.push(call);
  }

  private send(call: Call): void {
    const sha = this.salted.get(call.script)?.sha;
    if (sha === undefined) {
      call.reject(new NotSentError("a script this runner was not given"));
      return;
    }
    this.inFlight += 1;
    this.connection.redis.evalsha(sha, call.keys.length, ...call.keys, ...call.args).then(
      (reply) => {
        this.inFlight -= 1;
        call.resolve(reply);
      },
      (error: unknown) => {
        this.inFlight -= 1;
        if (isNoScript(error) && ++call.refusals < MAX_REFUSALS) {
          // Replies come in the order sent, so `refused` keeps that order.
          this.loaded = false;
          this.refused.push(call);
        } else {
          call.reject(error instanceof Error ? error : new Error(String(error)));
        }
        this.reloadWhenQuiet();
      },
    );
  }

  /**
   * Once nothing sent is still unanswered: every call sent after the first NOSCRIPT has been
   * refused too (no one else can load these SHAs), so sending them again in order keeps it.
   */
  private reloadWhenQuiet(): void {
    if (this.inFlight > 0 || this.loaded || this.reloading || this.refused.length === 0) return;
    if (this.connection.redis.status !== "ready") return;
    this.reloading = true;
    const connection = this.connections;
    this.load(this.connection.redis).then(
      () => {
        this.reloading = false;
        this.release();
      },
      (error: unknown) => {
        this.reloading = false;
        // Lost meanwhile: the calls were rejected then, and the new connection loads its own.
        if (connection !== this.connections) this.release();
        else
          this.rejectWaiting(
            new NotSentError(`loading the scripts failed: ${String(error)}`, { cause: error }),
          );
      },
    );
  }

  /** Sends what was refused, then what waited, in order, once that is possible. */
  private release(): void {
    if (!this.sendable()) return;
    for (const call of this.refused.splice(0)) this.send(call);
    for (const call of this.held.splice(0)) {
      clearTimeout(call.timer);
      this.send(call);
    }
  }

  private rejectWaiting(error: Error): void {
    for (const call of this.refused.splice(0)) call.reject(error);
    for (const call of this.held.splice(0)) {
      clearTimeout(call.timer);
      call.reject(error);
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}
