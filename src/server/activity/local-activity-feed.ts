import type { ActivityEvent } from "./activity-event.js";
import type { ActivityFeed, ActivityListener, ActivitySink } from "./activity-feed.js";

/** The feed within one process. */
export class LocalActivityFeed implements ActivityFeed, ActivitySink {
  private readonly listeners = new Set<ActivityListener>();

  constructor(
    /** A listener that threw; the others still get the event. */
    private readonly onListenerError: (error: unknown, event: ActivityEvent) => void,
  ) {}

  subscribe(listener: ActivityListener): () => void {
    // A wrapper per subscription, so the same function subscribed twice is called twice.
    const entry: ActivityListener = (event) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(event: ActivityEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }
}
