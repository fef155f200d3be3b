import type { LiveEvent } from './live-event.js';

export interface EventFilter {
  actionId?: string | undefined;
  agentId?: string | undefined;
}

export interface EventSubscriber {
  deliver(event: LiveEvent): void;
  /** The hub is shutting down: finish the stream. */
  close(): void;
}

/** Fans live events out to subscribers (SSE streams); nothing is buffered for latecomers. */
export class EventHub {
  private readonly subscribers = new Map<EventSubscriber, EventFilter>();

  subscribe(filter: EventFilter, subscriber: EventSubscriber): () => void {
    this.subscribers.set(subscriber, filter);
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  publish(event: LiveEvent): void {
    for (const [subscriber, filter] of this.subscribers) {
      if (filter.actionId !== undefined && event.actionId !== filter.actionId) continue;
      if (filter.agentId !== undefined && event.agentId !== filter.agentId) continue;
      subscriber.deliver(event);
    }
  }

  get size(): number {
    return this.subscribers.size;
  }

  close(): void {
    const subscribers = [...this.subscribers.keys()];
    this.subscribers.clear();
    for (const subscriber of subscribers) subscriber.close();
  }
}
