import type { AgentView } from '@liveprobe/protocol';
import type { Store } from '../store/store.js';
import { isPresent } from './presence.js';

/** An agent as the REST API shows it: its latest status message (the birth, updated since) plus presence (presence.ts). */
export type { AgentView };

export class AgentDirectory {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
  ) {}

  /** Online agents first, then by id. */
  async list(): Promise<AgentView[]> {
    const records = await this.store.listAgents();
    const now = this.now();
    return records
      .map((record) => {
        const { state: _, ...birth } = record.birth;
        return { ...birth, online: isPresent(record, now), lastSeen: record.lastSeen };
      })
      .sort((a, b) => Number(b.online) - Number(a.online) || a.agentId.localeCompare(b.agentId));
  }
}
