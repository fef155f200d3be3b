import type { Command } from 'commander';
import type { AuditPage } from '@liveprobe/protocol';
import { parseWholeNumber } from '../arguments.js';
import type { Context } from '../context.js';
import { formatTable } from '../format/table.js';

/** `liveprobe audit`: the control plane's audit trail, newest first (needs an admin token). */
export function registerAudit(program: Command, ctx: Context): void {
  program
    .command('audit')
    .description('show who changed what, when and from where, newest first (needs an admin token)')
    .option('--limit <n>', 'how many entries', parseWholeNumber, 50)
    .option('--actor <who>', 'only this token id, token name, or single sign-on user')
    .option('--action <action>', 'only this action, e.g. action.create, token.revoke')
    .option('--before <id>', 'entries older than this one (the last id of the previous page)')
    .option('--json', 'print the response body as JSON, with the state before and after each change')
    .action(async (options: { limit: number; actor?: string; action?: string; before?: string; json?: boolean }, command: Command) => {
      const page = await ctx.api(command).get<AuditPage>('/audit', {
        limit: String(options.limit),
        actor: options.actor,
        action: options.action,
        before: options.before,
      });
      if (options.json === true) return ctx.io.out(JSON.stringify(page, null, 2));
      if (page.entries.length === 0) return ctx.io.out('no audit entries');
      const rows = page.entries.map((e) => [e.time, e.actor.name, e.actor.role, e.action, e.outcome, e.target ?? '', e.source]);
      for (const line of formatTable(['TIME', 'WHO', 'ROLE', 'ACTION', 'OUTCOME', 'TARGET', 'FROM'], rows)) ctx.io.out(line);
      if (page.next !== undefined) ctx.io.err(`more: liveprobe audit --before ${page.next}`);
    });
}
