import type { Broker, BrokerMessage } from "./broker.js";

type Handler = (message: BrokerMessage) => void;

/** The broker of a single node: synchronous in-process fan-out. */
export class MemoryBroker implements Broker {
  private readonly subscribers = new Map<string, Set<Handler>>();

  constructor(private readonly onHandlerError: (error: unknown, topic: string) => void) {}

  async publish(topic: string, message: BrokerMessage): Promise<boolean> {
    return this.publishNow(topic, message);
  }

  publishNow(topic: string, message: BrokerMessage): boolean {
    const handlers = this.subscribers.get(topic);
    if (!handlers) return false;
    for (const handler of handlers) {
      try {
        handler(message);
      } catch (error) {
        this.onHandlerError(error, topic);
      }
    }
    return true;
  }

  async subscribe(topic: string, handler: Handler): Promise<() => void> {
    let handlers = this.subscribers.get(topic);
    if (!handlers) {
      handlers = new Set();
      this.subscribers.set(topic, handlers);
    }
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
    const own: Handler = (message) => handler(message);
    handlers.add(own);
    return () => {
      const current = this.subscribers.get(topic);
      if (!current) return;
      current.delete(own);
      if (current.size === 0) this.subscribers.delete(topic);
    };
  }

  async close(): Promise<void> {
    this.subscribers.clear();
  }
}
