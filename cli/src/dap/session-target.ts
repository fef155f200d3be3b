/**
 * Which agents a DAP session's actions go to: the configured tags and agents; with neither,
 * every tag of the agents online when the first breakpoint is set, kept from then on so one
 * session's actions all reach the same agents (and the debug console says which).
 */
import type { AgentList } from '@liveprobe/protocol';
import type { ApiClient } from '../api/client.js';
import { BreakpointRefused, type Targeting } from './breakpoint-action.js';

export interface TargetConfig {
  tags?: string[];
  agents?: string[];
  expiresIn?: string;
}

export class SessionTarget {
  constructor(
    private readonly api: ApiClient,
    private readonly config: TargetConfig,
    private readonly log: (text: string) => void,
  ) {}

  async resolve(): Promise<Targeting> {
    const expiry = this.config.expiresIn === undefined ? {} : { expiresIn: this.config.expiresIn };
    const tags = this.config.tags ?? [];
    const agents = this.config.agents ?? [];
    if (tags.length > 0 || agents.length > 0) return { tags, agents, ...expiry };
    const online = (await this.api.get<AgentList>('/agents')).agents.filter((a) => a.online);
    if (online.length === 0) {
      throw new BreakpointRefused(
        'no agent is online and the launch configuration names no `tags` or `agents`; start the app with the agent, or set `tags`',
      );
    }
    const known = [...new Set(online.flatMap((a) => a.tags))];
    this.config.tags = known;
    this.config.agents = known.length > 0 ? [] : online.map((a) => a.agentId);
    const which = known.length > 0 ? `tags ${known.join(', ')}` : `agents ${this.config.agents.join(', ')}`;
    this.log(`liveprobe: no tags or agents configured; targeting ${which} (the agents online now)\n`);
    return { tags: this.config.tags, agents: this.config.agents, ...expiry };
  }
}
