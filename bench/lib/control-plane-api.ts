/** The control plane's REST API and live events, as the benchmarks use them. */
import { createParser } from 'eventsource-parser';
import type { ActionInput, ActionState, ActionStatusView, ActionView, AgentView } from '@liveprobe/protocol';
import { preciseNow } from '../fleet-simulator/simulated-agent.js';

/** One server-sent event and when it arrived here (epoch ms, sub-ms precision). */
export interface TimedEvent {
  event: string;
  data: Record<string, unknown>;
  at: number;
}

export class ControlPlaneApi {
  constructor(readonly url: string) {}

  async addAction(body: ActionInput): Promise<string> {
    const response = await fetch(`${this.url}/api/v1/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`POST /actions answered ${response.status}: ${text}`);
    return (JSON.parse(text) as { action: { id: string } }).action.id;
  }

  async action(id: string): Promise<ActionView> {
    return this.#get<ActionView>(`/api/v1/actions/${id}`);
  }

  async deleteAction(id: string): Promise<void> {
    const response = await fetch(`${this.url}/api/v1/actions/${id}`, { method: 'DELETE' });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`DELETE /actions/${id} answered ${response.status}`);
  }

  async agents(): Promise<AgentView[]> {
    return (await this.#get<{ agents: AgentView[] }>('/api/v1/agents')).agents;
  }

  /** Polls until `agentId` reports `state` for the action; rejects on timeout, or at once on an error status. */
  async waitForStatus(actionId: string, agentId: string, state: ActionState, timeoutMs = 30_000): Promise<ActionStatusView> {
    return waitUntil(
      async () => {
        const status = (await this.action(actionId)).statuses.find((s) => s.agentId === agentId);
        if (status?.state === 'error' && state !== 'error')
          throw new FatalWait(`${agentId} could not install ${actionId}: ${status.message ?? 'no reason given'}`);
        return status?.state === state ? status : undefined;
      },
      timeoutMs,
      `${agentId} to report ${actionId} ${state}`,
    );
  }

  /** Subscribes to `GET /events`; resolves once the stream is open, so nothing published later is missed. */
  async events(filter: { action?: string; agent?: string } = {}): Promise<EventStream> {
    const endpoint = new URL('/api/v1/events', this.url);
    for (const [key, value] of Object.entries(filter)) if (value !== undefined) endpoint.searchParams.set(key, value);
    const abort = new AbortController();
    const response = await fetch(endpoint, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
    if (!response.ok || response.body === null) throw new Error(`GET ${endpoint} answered ${response.status}`);
    const stream = new EventStream(() => abort.abort());
    const parser = createParser({
      onEvent: (message) =>
        stream.push({ event: message.event ?? 'message', data: JSON.parse(message.data) as Record<string, unknown>, at: preciseNow() }),
      onComment: (comment) => {
        const dropped = /^ ?(\d+) events dropped/.exec(comment);
        if (dropped !== null) stream.dropped += Number(dropped[1]);
      },
    });
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body!) parser.feed(decoder.decode(chunk, { stream: true }));
      } catch {
        // closed
      }
    })();
    return stream;
  }

  async #get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`);
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  }
}

export class EventStream {
  readonly events: TimedEvent[] = [];
  /** Events the control plane said it dropped because this client read too slowly. */
  dropped = 0;
  readonly #listeners = new Set<(event: TimedEvent) => void>();

  constructor(readonly close: () => void) {}

  push(event: TimedEvent): void {
    this.events.push(event);
    for (const listener of this.#listeners) listener(event);
  }

  on(listener: (event: TimedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** The first event (already received or still to come) matching `predicate`. */
  waitFor(predicate: (event: TimedEvent) => boolean, timeoutMs: number, what: string): Promise<TimedEvent> {
    const seen = this.events.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const off = this.on((event) => {
        if (!predicate(event)) return;
        clearTimeout(timer);
        off();
        resolve(event);
      });
    });
  }

  /** Forgets what arrived so far (long runs). */
  clear(): void {
    this.events.length = 0;
  }
}

/** Matches an `action_status` event. */
export function isStatus(actionId: string, state: ActionState, agentId?: string): (event: TimedEvent) => boolean {
  return (e) =>
    e.event === 'action_status' &&
    e.data.actionId === actionId &&
    e.data.state === state &&
    (agentId === undefined || e.data.agentId === agentId);
}

/** Thrown from a waitUntil probe to stop waiting at once. */
export class FatalWait extends Error {}

/** Polls `probe` every `intervalMs` until it returns something other than undefined or false. */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  what: string,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      if (err instanceof FatalWait) throw err;
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? '' : `; last error: ${String(lastError)}`}`,
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
