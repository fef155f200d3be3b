import { defined } from '@liveprobe/protocol/util';
import { InvalidArgumentError, type Command } from 'commander';
import { Role, type CreatedToken, type Principal, type RevokedToken, type TokenInput, type TokenList } from '@liveprobe/protocol';
import { collect } from '../arguments.js';
import type { Context } from '../context.js';
import { formatTable } from '../format/table.js';
import { relativeTime } from '../format/time.js';
import { inUserTerms } from '../field-terms.js';

function parseRole(text: string): Role {
  const role = Role.safeParse(text);
  if (!role.success) throw new InvalidArgumentError(`"${text}" is not a role; use viewer, editor, admin, or agent (MQTT only)`);
  return role.data;
}

const TOKEN_FIELD_OPTIONS = { name: '--name', role: '--role', tags: '--tag', agents: '--agent', expiresIn: '--expires' };

/** `liveprobe token create|list|revoke` (admins) and `liveprobe whoami` (anyone with a token). */
export function registerToken(program: Command, ctx: Context): void {
  const token = program.command('token').description('manage API tokens (needs an admin token)');
  token
    .command('create')
    .description('create an API token; its secret is printed once, keep it')
    .requiredOption('--name <name>', 'who or what uses it, e.g. ci-deploy')
    .option(
      '--role <role>',
      'viewer (read), editor (add and remove actions), admin (tokens, audit), or agent (the embedded broker only)',
      parseRole,
      'viewer',
    )
    .option('--tag <tag>', 'agent tokens: a tag whose actions the agent may read (repeat; * for all)', collect)
    .option(
      '--agent <id>',
      'agent tokens (required): an agent id it may connect as, or a prefix ending in * such as checkout-* (repeat; * for any)',
      collect,
    )
    .option('--expires <duration>', 'lifetime, e.g. 12h or 90d (default: until revoked)')
    .option('--json', 'print the response body as JSON')
    .action(
      async (
        options: { name: string; role: Role; tag?: string[]; agent?: string[]; expires?: string; json?: boolean },
        command: Command,
      ) => {
        const body = {
          name: options.name,
          role: options.role,
          ...defined({ tags: options.tag, agents: options.agent, expiresIn: options.expires }),
        } satisfies TokenInput;
        const created = await inUserTerms(ctx.api(command).post<CreatedToken>('/tokens', body), body, TOKEN_FIELD_OPTIONS, options.json);
        if (options.json === true) return ctx.io.out(JSON.stringify(created, null, 2));
        ctx.io.out(`created ${created.token.id} (${created.token.role}) "${created.token.name}"`);
        ctx.io.out(created.secret);
        if (created.token.role === 'agent') {
          // An agent token is a broker credential: the REST API refuses it.
          const user = encodeURIComponent(created.token.name);
          ctx.io.err(
            `this secret is shown once; it is a broker credential for agents, not an API token: start agents with LIVEPROBE_BROKER_URL=mqtt://${user}:<secret>@<broker host>:<port> (the broker \`liveprobe up\` printed) and LIVEPROBE_AGENT_ID set to an id it names (${(created.token.agents ?? []).join(', ')})`,
          );
        } else ctx.io.err('this secret is shown once; use it as --token or LIVEPROBE_TOKEN');
      },
    );
  token
    .command('list')
    .description('list the active API tokens (never their secrets)')
    .option('--json', 'print the response body as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { tokens } = await ctx.api(command).get<TokenList>('/tokens');
      if (options.json === true) return ctx.io.out(JSON.stringify({ tokens }, null, 2));
      const now = ctx.now();
      const rows = tokens.map((t) => [
        t.id,
        t.name,
        t.role,
        t.createdBy,
        relativeTime(t.createdAt, now),
        t.lastUsedAt === undefined ? 'never' : relativeTime(t.lastUsedAt, now),
        t.expiresAt === undefined ? 'never' : relativeTime(t.expiresAt, now),
      ]);
      for (const line of formatTable(['ID', 'NAME', 'ROLE', 'CREATED BY', 'CREATED', 'LAST USED', 'EXPIRES'], rows)) ctx.io.out(line);
    });
  token
    .command('revoke <id>')
    .description('revoke an API token; requests with it are refused at once')
    .option('--json', 'print the response body as JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const body = await ctx.api(command).delete<RevokedToken>(`/tokens/${encodeURIComponent(id)}`);
      ctx.io.out(options.json === true ? JSON.stringify(body, null, 2) : `revoked ${body.revoked}`);
    });
  program
    .command('whoami')
    .description('show who the control plane takes you for, and your role')
    .option('--json', 'print the response body as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const me = await ctx.api(command).get<Principal>('/whoami');
      if (options.json === true) return ctx.io.out(JSON.stringify(me, null, 2));
      ctx.io.out(
        `${me.name} (${me.kind === 'token' ? `API token ${me.id}` : me.kind === 'oidc' ? 'single sign-on' : me.kind}), role ${me.role}`,
      );
    });
}
