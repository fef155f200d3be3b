/** The control plane's REST API and live events, as the benchmarks use them. */
import { StopWaiting, sseEvents, waitFor, type SseEvent, type SseFilters, type SseStream } from '@liveprobe/harness';
import type {
  ActionInput,
  ActionState,
  ActionStatusView,
  ActionView,
  AgentList,
  AgentView,
  CreatedAction,
  SnapshotRecord,
} from '@liveprobe/protocol';

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
    return (JSON.parse(text) as CreatedAction).action.id;
  }

  async action(id: string): Promise<ActionView> {
    return this.#get<ActionView>(`/api/v1/actions/${id}`);
  }

  async deleteAction(id: string): Promise<void> {
    const response = await fetch(`${this.url}/api/v1/actions/${id}`, { method: 'DELETE' });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`DELETE /actions/${id} answered ${response.status}`);
  }

  async snapshot(id: string): Promise<SnapshotRecord> {
    return this.#get<SnapshotRecord>(`/api/v1/snapshots/${id}`);
  }

  async agents(): Promise<AgentView[]> {
    return (await this.#get<AgentList>('/api/v1/agents')).agents;
  }

  /** Polls until `agentId` reports `state` for the action; rejects on timeout, or at once on an error status. */
  async waitForStatus(actionId: string, agentId: string, state: ActionState, timeoutMs = 30_000): Promise<ActionStatusView> {
    let last: ActionStatusView | undefined;
    return waitFor(
      async () => {
        const status = (await this.action(actionId)).statuses.find((s) => s.agentId === agentId);
        last = status;
        if (status?.state === 'error' && state !== 'error')
          throw new StopWaiting(`${agentId} could not install ${actionId}: ${status.message ?? 'no reason given'}`);
        return status?.state === state ? status : undefined;
      },
      timeoutMs,
      `${agentId} to report ${actionId} ${state}`,
      50,
    ).catch((err: unknown) => {
      // A status the agent reports instead (a benchmark still waiting for a state the agent no longer uses) says more than the timeout.
      if (err instanceof StopWaiting || last === undefined) throw err;
      throw new Error(
        `${err instanceof Error ? err.message : String(err)}; it reported ${last.state}${last.message === undefined ? '' : `: ${last.message}`}`,
      );
    });
  }

  /** Subscribes to `GET /events`; resolves once the stream is open, so nothing published later is missed. */
  events(filter: SseFilters = {}): Promise<SseStream> {
    return sseEvents(this.url, filter);
  }

  async #get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`);
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  }
}

/** Matches an `action_status` event. */
export function isStatus(actionId: string, state: ActionState, agentId?: string): (event: SseEvent) => boolean {
  return (e) =>
    e.event === 'action_status' &&
    e.data.actionId === actionId &&
    e.data.state === state &&
    (agentId === undefined || e.data.agentId === agentId);
}
