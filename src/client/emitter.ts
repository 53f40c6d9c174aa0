/** A small typed event emitter that runs in browsers as in Node (no `node:events`). */
export class Emitter<Events extends { [K in keyof Events]: (...args: never[]) => unknown }> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Events[K]): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** Calls each listener in turn; resolves when the async ones have finished. */
  protected async emit<K extends keyof Events>(
    event: K,
    ...args: Parameters<Events[K]>
  ): Promise<void> {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      await (listener as (...a: Parameters<Events[K]>) => unknown)(...args);
    }
  }

  protected has(event: keyof Events): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }
}
