import type { RedisConnection, RedisConnector } from "../redis/redis-connection.js";
import { sha256Fingerprint } from "./fingerprint.js";
import {
  type Acceptance,
  type AppendResult,
  type MailboxEntry,
  MailboxFullError,
  type MailboxPosition,
  type MessageStore,
  type NewMail,
  type RetentionOptions,
  type StoredMail,
  type StoredReceipt,
  StoreError,
  type StoreFailure,
  serializedBody,
} from "./message-store.js";
import { mayHaveRun } from "./redis-outcome.js";
import { ScriptRunner } from "./redis-script-runner.js";
import { ACK, APPEND, EXPIRE, type LuaScript } from "./redis-scripts.js";

export type RedisMessageStoreOptions = {
  /** Makes the store's connection (the composition root's, under its policy). */
  connect: RedisConnector;
  /** Prepended to every key, so several deployments (or tests) can share one Redis. */
  keyPrefix: string;
  /** Longest a call waits for the connection to be up again, or to start (default 5000 ms). */
  waitMs?: number;
  /** Most entries (and, separately, idempotency keys) one expiry script removes (default 500). */
  expireBatch?: number;
} & RetentionOptions;

/**
 * Mailboxes in Redis, shared by every node pointed at the same Redis and key prefix.
 *
 * Keys (p = keyPrefix):
 * - `p mb:<user>` HASH {last, acked, read, mails}: the mailbox's position and mail count;
 * - `p mbz:<user>` ZSET, score = seq, member = the entry (format in redis-scripts.ts);
 * - `p entries-by-ts` ZSET, member `<user>\0<seq>`, score = ts: what `expire` sweeps;
 * - `p sent:<sender>` HASH ref -> `fingerprint\nts\nseq\n{id,to,ts}`: idempotency keys,
 *   and `p sent-by-ts` ZSET (member `<bytes>:<sender><ref>`, score = ts) to sweep them;
 * - `p waiting` SET of users whose mailbox has `last > acked`.
 *
 * Every mutation is one Lua script, so it is atomic and nodes never assign a seq twice. The
 * scripts touch several mailboxes' keys (an ack writes receipts to each sender's mailbox), so
 * Redis Cluster (sharded) is not supported; a single Redis, with replicas or Sentinel, is.
 *
 * Durability: `append` resolves once Redis has run the script and replied, which is as durable
 * as Redis's persistence makes it: AOF with `appendfsync always` = on disk; `everysec` = up
 * to a second can be lost in a crash; no AOF = until the next snapshot [DELIVERY-1].
 *
 * Failures: the connection has no offline queue and its commands time out, so while Redis is
 * away every call rejects at once with StoreError instead of queueing sends; while Redis does
 * not answer, or its scripts are being loaded, calls wait at most `waitMs`, in order, and are
 * then refused unsent. A command whose connection drops is never resent (its script may have
 * run; the sender's retry, deduplicated by its ref, is the safe way to find out). The scripts
 * are loaded on every (re)connection and never retried out of order (ScriptRunner).
 * A write refused unsent fails with `store_unavailable`; one sent and then not answered (the
 * command timed out, the connection dropped) with `outcome_unknown`: Redis may run it, even
 * after the timeout (a paused Redis runs what it read once it resumes).
 */
export class RedisMessageStore implements MessageStore {
  private readonly connection: RedisConnection;
  private readonly scripts: ScriptRunner;
  private readonly prefix: string;
  private readonly waitMs: number;

  constructor(
    private readonly options: RedisMessageStoreOptions,
    private readonly clock: () => number = Date.now,
  ) {
    this.prefix = options.keyPrefix;
    this.waitMs = options.waitMs ?? 5000;
    this.connection = options.connect({
      name: "store",
      prepare: (redis) => this.scripts.load(redis),
    });
    this.scripts = new ScriptRunner(this.connection, [APPEND, ACK, EXPIRE], this.waitMs);
  }

  async append(mail: NewMail): Promise<AppendResult> {
    const hasRef = mail.ref !== undefined;
    const ref = mail.ref ?? "";
    const { id, from, to, ts } = mail;
    const bodyJson = serializedBody(mail);
    const receiptFields = JSON.stringify({ owner: from, mailId: id, to, ...(hasRef && { ref }) });
    const reply = await this.run(
      APPEND,
      [
        this.key("mb", to),
        this.key("mbz", to),
        `${this.prefix}entries-by-ts`,
        this.key("sent", from),
        `${this.prefix}sent-by-ts`,
        `${this.prefix}waiting`,
      ],
      [
        to,
        numberArg(ts),
        // JSON.stringify({ kind, id, from, to, ts, body, ref? }), with the body as serialized once.
        `${JSON.stringify({ kind: "mail", id, from, to, ts, ...(hasRef && { ref }) }).slice(0, -1)},"body":${bodyJson}}`,
        lengthPrefixed(from) + receiptFields.slice(1, -1),
        hasRef ? "1" : "0",
        ref,
        hasRef ? sha256Fingerprint(mail) : "",
        lengthPrefixed(from) + ref,
        JSON.stringify({ id, to, ts }),
        String(this.options.idempotencyWindowMs),
        String(this.options.maxMessages),
        this.options.overflow,
      ],
    );
    if (!Array.isArray(reply)) throw unexpected("append", reply);
    const [outcome, a, b] = reply as unknown[];
    if (outcome === "duplicate" && typeof a === "string")
      return { duplicate: true, accepted: decodeAcceptance(a) };
    if (outcome === "full") throw new MailboxFullError(to, this.options.maxMessages);
    if (outcome === "stored" && typeof a === "number" && typeof b === "number") {
      const stored: StoredMail = { kind: "mail", ...mail, seq: a };
      return { duplicate: false, mail: stored, dropped: b };
    }
    throw unexpected("append", reply);
  }

  async readAfter(userId: string, afterSeq: number, limit: number): Promise<MailboxEntry[]> {
    const out: MailboxEntry[] = [];
    const oldest = this.clock() - this.options.ttlMs;
    let after = afterSeq;
    // Expired entries not yet swept are skipped, so a page may need refilling from further on.
    while (out.length < limit) {
      const want = limit - out.length;
      const page = await this.call(() =>
        this.redis.zrangebyscore(this.key("mbz", userId), `(${after}`, "+inf", "LIMIT", 0, want),
      );
      for (const member of page) {
        const entry = decodeEntry(member);
        if (entry.ts > oldest) out.push(entry);
        after = entry.seq;
      }
      if (page.length < want) break;
    }
    return out;
  }

  async position(userId: string): Promise<MailboxPosition> {
    const [last, acked, read] = await this.call(() =>
      this.redis.hmget(this.key("mb", userId), "last", "acked", "read"),
    );
    return { last: Number(last ?? 0), acked: Number(acked ?? 0), read: Number(read ?? 0) };
  }

  async ack(
    userId: string,
    seq: number,
    status: "delivered" | "read",
    now: number,
  ): Promise<StoredReceipt[]> {
    const reply = await this.run(
      ACK,
      [
        this.key("mb", userId),
        this.key("mbz", userId),
        `${this.prefix}entries-by-ts`,
        `${this.prefix}waiting`,
      ],
      [
        userId,
        numberArg(seq),
        status === "read" ? "read" : "delivered",
        numberArg(now),
        this.prefix,
      ],
    );
    if (!Array.isArray(reply)) throw unexpected("ack", reply);
    return (reply as unknown[]).map((member) => {
      if (typeof member !== "string") throw unexpected("ack", reply);
      return decodeEntry(member) as StoredReceipt;
    });
  }

  async expire(now: number): Promise<number> {
    const batch = this.options.expireBatch ?? 500;
    const entriesBefore = numberArg(now - this.options.ttlMs);
    const sentBefore = numberArg(now - this.options.idempotencyWindowMs);
    let removed = 0;
    // One short script per batch, so other clients' commands run between them.
    for (;;) {
      const reply = await this.run(
        EXPIRE,
        [`${this.prefix}entries-by-ts`, `${this.prefix}sent-by-ts`],
        [this.prefix, entriesBefore, sentBefore, String(batch)],
      );
      if (!Array.isArray(reply)) throw unexpected("expire", reply);
      const [count, examined, stale] = (reply as unknown[]).map(Number);
      removed += count ?? 0;
      if ((examined ?? 0) < batch && (stale ?? 0) < batch) return removed;
    }
  }

  async waitingMailboxes(): Promise<number> {
    return this.call(() => this.redis.scard(`${this.prefix}waiting`));
  }

  /** Connected, scripts loaded, answering its health check. */
  get accepting(): boolean {
    return this.connection.up;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private get redis() {
    return this.connection.redis;
  }

  private key(kind: "mb" | "mbz" | "sent", user: string): string {
    return `${this.prefix}${kind}:${user}`;
  }

  /**
   * Runs a script in call order (see ScriptRunner); a failure becomes a StoreError that says
   * whether the script may have run.
   */
  private async run(script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.scripts.run(script, keys, args);
    } catch (error) {
      throw storeError(error, mayHaveRun(error) ? "outcome_unknown" : "store_unavailable");
    }
  }

  /**
   * A read: sent at once while the connection is up; waits (at most `waitMs`) while it starts
   * or Redis does not answer; rejects at once while it is not connected.
   */
  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      if (!this.connection.up) {
        if (!this.connection.starting && this.redis.status !== "ready")
          throw new Error(`Redis is not connected (${this.redis.status})`);
        await withDeadline(this.connection.whenUp(), this.waitMs);
      }
      return await command();
    } catch (error) {
      // Reads change nothing: whatever happened, nothing was applied.
      throw storeError(error, "store_unavailable");
    }
  }
}

/** Every Redis failure becomes a StoreError: the caller must never take it as stored. */
function storeError(error: unknown, code: StoreFailure): StoreError {
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreError(`mailbox store (Redis) failed: ${reason}`, { cause: error, code });
}

function withDeadline(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Redis was not ready within ${ms} ms; nothing was sent`)),
      ms,
    );
    timer.unref();
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** A number as Redis and the scripts' JSON expect it; NaN or Infinity would corrupt both. */
function numberArg(value: number): string {
  if (!Number.isFinite(value)) throw new StoreError(`not a finite number: ${value}`);
  return String(value);
}

/** `<bytes>:<text>`: lets Lua (which counts bytes) split off a string holding any character. */
function lengthPrefixed(text: string): string {
  return `${Buffer.byteLength(text, "utf8")}:${text}`;
}

/** An entry member `<kind><seq>\n<json>[\n<receipt fields>]` back into an entry. */
function decodeEntry(member: string): MailboxEntry {
  const header = member.indexOf("\n");
  const end = member.indexOf("\n", header + 1);
  const json = member.slice(header + 1, end === -1 ? undefined : end);
  const seq = Number(member.slice(1, header));
  return { ...(JSON.parse(json) as Omit<MailboxEntry, "seq">), seq } as MailboxEntry;
}

/** A `sent` value `fingerprint\nts\nseq\n{id,to,ts}` into the first send's acceptance. */
function decodeAcceptance(value: string): Acceptance {
  const [, , seq, json] = value.split("\n", 4);
  return { ...(JSON.parse(json ?? "{}") as Omit<Acceptance, "seq">), seq: Number(seq) };
}

/** A script answered something it never answers: it ran, and what it did is not known. */
function unexpected(operation: string, reply: unknown): StoreError {
  return new StoreError(`mailbox store (Redis): unexpected ${operation} reply ${String(reply)}`, {
    code: "outcome_unknown",
  });
}
