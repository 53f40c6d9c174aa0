import type { Redis } from "ioredis";
import type { RedisConnection, RedisConnector } from "../redis/redis-connection.js";
import type { Broker, BrokerMessage } from "./broker.js";

export type RedisBrokerStatus = "ready" | "down";

export interface RedisBrokerOptions {
  /** Makes the broker's two connections (the composition root's, under its policy). */
  connect: RedisConnector;
  /** Prepended to every topic to make its channel, so that clusters can share one Redis. */
  keyPrefix: string;
  /** A handler threw, or a message on one of our channels could not be decoded. */
  onHandlerError(error: unknown, topic: string): void;
  /** Both connections up and every subscription in place (again), or not. */
  onStatus?(status: RedisBrokerStatus): void;
}

type Handler = (message: BrokerMessage) => void;

/** The local handlers of one channel, and the SUBSCRIBE they share. */
interface Channel {
  handlers: Set<Handler>;
  subscribed: Promise<void>;
  failed: boolean;
}

/**
 * The broker of a cluster: Redis pub/sub, one publisher and one subscriber connection.
 *
 * A topic is subscribed in Redis while at least one local handler wants it. After Redis comes
 * back, ioredis subscribes the channels of the lost connection again (`autoResubscribe`); the
 * subscriber counts as up only once Redis has confirmed them. While Redis is down, `publish`
 * and `subscribe` reject at once rather than queue: the caller learns that live delivery
 * failed (mail stays in the store). Call `whenReady()` before the first use.
 */
export class RedisBroker implements Broker {
  private readonly publisher: RedisConnection;
  private readonly subscriber: RedisConnection;
  private readonly channels = new Map<string, Channel>();
  /** Channels whose UNSUBSCRIBE is on its way; a new SUBSCRIBE waits for it. */
  private readonly draining = new Map<string, Promise<void>>();
  /** Channels whose UNSUBSCRIBE failed: ioredis will subscribe them again on reconnect. */
  private readonly orphans = new Set<string>();
  private reported: RedisBrokerStatus = "down";
  private waiters: { resolve(): void; reject(error: Error): void }[] = [];
  private closed = false;

  constructor(private readonly options: RedisBrokerOptions) {
    this.publisher = options.connect({ name: "publish" });
    this.subscriber = options.connect({
      name: "subscribe",
      subscriber: true,
      prepare: (redis) => this.restored(redis),
    });
    for (const connection of [this.publisher, this.subscriber])
      connection.onChange(() => this.report());
    this.subscriber.redis.on("message", (channel: string, raw: string) =>
      this.dispatch(channel, raw),
    );
  }

  get status(): RedisBrokerStatus {
    return this.reported;
  }

  /** Resolves once the broker is ready (at once if it is); rejects if it is closed first. */
  whenReady(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the broker is closed"));
    if (this.reported === "ready") return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Redis answers PUBLISH with how many connections it reached: one per subscribed node. */
  async publish(topic: string, message: BrokerMessage): Promise<boolean> {
    const receivers = await this.publisher.redis.publish(this.channelOf(topic), encode(message));
    return receivers > 0;
  }

  async subscribe(topic: string, handler: Handler): Promise<() => void> {
    const name = this.channelOf(topic);
    // Wait for an UNSUBSCRIBE on its way, so the channel's old traffic cannot reach the new
    // handler (and Redis does not see SUBSCRIBE and UNSUBSCRIBE cross).
    for (let pending = this.draining.get(name); pending; pending = this.draining.get(name)) {
      await pending;
    }
    let channel = this.channels.get(name);
    if (!channel) {
      const created: Channel = {
        handlers: new Set(),
        subscribed: Promise.resolve(),
        failed: false,
      };
      created.subscribed = this.subscriber.redis.subscribe(name).then(
        () => undefined,
        (error: unknown) => {
          created.failed = true;
          throw error;
        },
      );
      channel = created;
      this.channels.set(name, channel);
    }
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
    // Added before the confirmation: a message right behind it in the same read is not lost.
    const own: Handler = (message) => handler(message);
    channel.handlers.add(own);
    const subscribed = channel;
    try {
      await subscribed.subscribed;
    } catch (error) {
      this.remove(name, subscribed, own);
      throw error;
    }
    return () => this.remove(name, subscribed, own);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channels.clear();
    for (const waiter of this.waiters.splice(0)) waiter.reject(new Error("the broker is closed"));
    await Promise.all([this.publisher.close(), this.subscriber.close()]);
  }

  private channelOf(topic: string): string {
    return `${this.options.keyPrefix}${topic}`;
  }

  private remove(name: string, channel: Channel, handler: Handler): void {
    if (!channel.handlers.delete(handler) || channel.handlers.size > 0) return;
    if (this.channels.get(name) !== channel) return;
    this.channels.delete(name);
    if (!channel.failed && !this.closed) this.unsubscribe(name);
  }

  private unsubscribe(name: string): void {
    const done = this.subscriber.redis.unsubscribe(name).then(
      () => undefined,
      () => {
        this.orphans.add(name);
      },
    );
    this.draining.set(name, done);
    void done.then(() => {
      if (this.draining.get(name) === done) this.draining.delete(name);
    });
  }

  private dispatch(name: string, raw: string): void {
    // No channel: a message that was on its way when the last local handler left.
    const channel = this.channels.get(name);
    if (!channel) return;
    const topic = name.slice(this.options.keyPrefix.length);
    const message = decode(raw);
    if (!message) {
      this.options.onHandlerError(new Error(`undecodable broker message on ${name}`), topic);
      return;
    }
    for (const handler of channel.handlers) {
      try {
        handler(message);
      } catch (error) {
        this.options.onHandlerError(error, topic);
      }
    }
  }

  /**
   * The subscriber's `prepare`, on every (re)connection. ioredis sends SUBSCRIBE for the lost
   * connection's channels right after it turns ready, and emits "ready" on the next tick: a
   * PING sent now is answered after all of them.
   */
  private async restored(redis: Redis): Promise<void> {
    await redis.ping();
    const orphans = [...this.orphans];
    this.orphans.clear();
    for (const name of orphans) if (!this.channels.has(name)) this.unsubscribe(name);
  }

  private report(): void {
    if (this.closed) return;
    const status: RedisBrokerStatus = this.publisher.up && this.subscriber.up ? "ready" : "down";
    if (status === this.reported) return;
    this.reported = status;
    if (status === "ready") for (const waiter of this.waiters.splice(0)) waiter.resolve();
    this.options.onStatus?.(status);
  }
}

/** `seq`, a space, then the frame untouched (a frame may hold any character, spaces too). */
function encode(message: BrokerMessage): string {
  return `${message.seq} ${message.frame}`;
}

function decode(raw: string): BrokerMessage | undefined {
  const space = raw.indexOf(" ");
  const seq = Number(raw.slice(0, space));
  if (space < 1 || !Number.isSafeInteger(seq)) return undefined;
  return { seq, frame: raw.slice(space + 1) };
}
