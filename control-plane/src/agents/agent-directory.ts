import type { Store } from '../store/store.js';

/** An agent as the REST API shows it: its birth announcement plus presence. */
export interface AgentView {
  agentId: string;
  hostname: string;
  pid: number;
  runtime: string;
  runtimeVersion: string;
  agentVersion: string;
  tags: string[];
  startedAt: string;
  online: boolean;
  lastSeen: string;
}

export class AgentDirectory {
  constructor(private readonly store: Store) {}

  /** Online agents first, then by id. */
  async list(): Promise<AgentView[]> {
    const records = await this.store.listAgents();
    return records
      .map(({ birth: { state: _, ...birth }, online, lastSeen }) => ({ ...birth, online, lastSeen }))
      .sort((a, b) => Number(b.online) - Number(a.online) || a.agentId.localeCompare(b.agentId));
  }
}
