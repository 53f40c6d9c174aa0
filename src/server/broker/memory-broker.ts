import type { Broker, BrokerMessage } from "./broker.js";

type Handler = (message: BrokerMessage) => void;

/** The broker of a single node: synchronous in-process fan-out. */
export class MemoryBroker implements Broker {
  /**
   * A topic's handlers: one held as it is (most topics: one user's mailbox on this node, with
   * one subscription), more in a set. An idle connection's user costs no set.
   */
  private readonly subscribers = new Map<string, Handler | Set<Handler>>();

  constructor(private readonly onHandlerError: (error: unknown, topic: string) => void) {}

  async publish(topic: string, message: BrokerMessage): Promise<boolean> {
    return this.publishNow(topic, message);
  }

  publishNow(topic: string, message: BrokerMessage): boolean {
    const handlers = this.subscribers.get(topic);
    if (handlers === undefined) return false;
    if (typeof handlers === "function") {
      this.run(handlers, topic, message);
      return true;
    }
    for (const handler of handlers) this.run(handler, topic, message);
    return true;
  }

  async subscribe(topic: string, handler: Handler): Promise<() => void> {
    const handlers = this.subscribers.get(topic);
    // The same function subscribed twice is two subscriptions: the second gets a wrapper.
    const own: Handler =
      handlers === handler || (handlers instanceof Set && handlers.has(handler))
        ? (message) => handler(message)
        : handler;
    if (handlers === undefined) this.subscribers.set(topic, own);
    else if (typeof handlers === "function") this.subscribers.set(topic, new Set([handlers, own]));
    else handlers.add(own);
    // Bound rather than a closure: a closure would keep this call's whole scope, for as long
    // as the subscription lives (a user's, as long as the connection).
    return this.unsubscribe.bind(this, topic, own);
  }

  async close(): Promise<void> {
    this.subscribers.clear();
  }

  private unsubscribe(topic: string, own: Handler): void {
    const handlers = this.subscribers.get(topic);
    if (handlers === own) this.subscribers.delete(topic);
    else if (handlers instanceof Set && handlers.delete(own) && handlers.size === 0)
      this.subscribers.delete(topic);
  }

  private run(handler: Handler, topic: string, message: BrokerMessage): void {
    try {
      handler(message);
    } catch (error) {
      this.onHandlerError(error, topic);
    }
  }
}
