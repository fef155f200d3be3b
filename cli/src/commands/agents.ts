import type { Command } from 'commander';
import type { AgentList } from '@liveprobe/protocol';
import type { Context } from '../context.js';
import { preparedCell, untouchedLines } from '../format/prepare.js';
import { formatTable } from '../format/table.js';
import { relativeTime } from '../format/time.js';

export function registerAgents(program: Command, ctx: Context): void {
  program
    .command('agents')
    .description('list the agents that have connected, online ones first, with the files each prepared at load time')
    .option('--json', 'print the response body as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { agents } = await ctx.api(command).get<AgentList>('/agents');
      if (options.json === true) return ctx.io.out(JSON.stringify({ agents }, null, 2));
      if (agents.length === 0) {
        return ctx.io.out(
          'no agents yet; start your app with: node --import @liveprobe/agent/register app.js (LIVEPROBE_BROKER_URL and LIVEPROBE_TAGS set)',
        );
      }
      const now = ctx.now();
      const rows = agents.map((a) => [
        a.agentId,
        a.hostname,
        String(a.pid),
        a.tags.join(','),
        `${a.runtime} ${a.runtimeVersion}`,
        a.online ? 'online' : 'offline',
        relativeTime(a.lastSeen, now),
        preparedCell(a.prepare),
      ]);
      for (const line of formatTable(['ID', 'HOST', 'PID', 'TAGS', 'RUNTIME', 'STATUS', 'LAST SEEN', 'PREPARED'], rows)) ctx.io.out(line);
      for (const agent of agents) {
        const untouched = untouchedLines(agent.agentId, agent.prepare);
        if (untouched.length === 0) continue;
        ctx.io.out('');
        for (const line of untouched) ctx.io.out(line);
      }
    });
}
