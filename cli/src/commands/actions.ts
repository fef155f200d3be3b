import type { Command } from 'commander';
import type { ActionList, ActionView, DeletedAction } from '@liveprobe/protocol';
import { actionLocation } from '../format/action-location.js';
import type { Context } from '../context.js';
import { CliError, NotAllRemovedError } from '../errors.js';
import { formatFields, formatTable } from '../format/table.js';
import { formatTargets } from '../format/targets.js';
import { clockTime, relativeTime } from '../format/time.js';
import { registerActionEdits } from './actions-edit.js';

/**
 * One agent's refusal (a path, a reason, a fix) can run to 300 characters, and the table pads
 * every row to it: past this width the summary is cut, the whole of it is in `actions show`.
 */
const SUMMARY_WIDTH = 64;

function clipped(summary: string): string {
  return summary.length <= SUMMARY_WIDTH ? summary : `${summary.slice(0, SUMMARY_WIDTH - 1)}…`;
}

export function registerActions(program: Command, ctx: Context): void {
  const actions = program.command('actions').description('list, show, edit, disable, enable and remove actions');

  actions
    .command('list', { isDefault: true })
    .description('list actions, newest first (the default)')
    .option('--json', 'print the response body as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { actions: list } = await ctx.api(command).get<ActionList>('/actions');
      if (options.json === true) return ctx.io.out(JSON.stringify({ actions: list }, null, 2));
      if (list.length === 0) {
        return ctx.io.out(
          'no actions yet; add one with: liveprobe log add <file:line> "<template>" --tag <tag>, or liveprobe snapshot add <file:line> --tag <tag>',
        );
      }
      const now = ctx.now();
      const rows = list.map((a) => [
        a.id,
        a.type,
        actionLocation(a),
        formatTargets(a),
        clipped(`${a.state}: ${a.summary}`),
        String(a.statuses.reduce((sum, s) => sum + s.hits, 0)),
        relativeTime(a.expiresAt, now),
      ]);
      for (const line of formatTable(['ID', 'TYPE', 'LOCATION', 'TARGET', 'STATE/SUMMARY', 'HITS', 'EXPIRES'], rows)) ctx.io.out(line);
      if (rows.some((row) => row[4]?.endsWith('…'))) ctx.io.out('(a summary cut short with … is whole in: liveprobe actions show <id>)');
    });

  actions
    .command('show <id>')
    .description('show one action and what each agent reported about it')
    .option('--json', 'print the response body as JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const action = await ctx.api(command).get<ActionView>(`/actions/${encodeURIComponent(id)}`);
      if (options.json === true) return ctx.io.out(JSON.stringify(action, null, 2));
      for (const line of describeAction(action, ctx.now())) ctx.io.out(line);
    });

  actions
    .command('rm <ids...>')
    .description('remove actions from every agent (one or more ids; each is removed even if another fails)')
    .option('--json', 'print the response body as JSON (with several ids: {"deleted": [ids]})')
    .action(async (ids: string[], options: { json?: boolean }, command: Command) => {
      const api = ctx.api(command);
      const unique = [...new Set(ids)];
      const deleted: string[] = [];
      const failed: { id: string; error: CliError }[] = [];
      for (const id of unique) {
        try {
          deleted.push((await api.delete<DeletedAction>(`/actions/${encodeURIComponent(id)}`)).deleted);
          if (options.json !== true) ctx.io.out(`deleted ${id}`);
        } catch (err) {
          // One id fails as it always did; of several, each failure (not found, not allowed, the
          // control plane gone) is told with the ids removed before it, which stay removed.
          if (!(err instanceof CliError) || unique.length === 1) throw err;
          failed.push({ id, error: err });
        }
      }
      if (failed.length > 0) throw new NotAllRemovedError(deleted, failed);
      if (options.json === true) ctx.io.out(JSON.stringify(unique.length === 1 ? { deleted: deleted[0] } : { deleted }, null, 2));
    });

  registerActionEdits(actions, ctx);
}

/** The fields only this action's type has. */
function typeFields(action: ActionView): [string, string][] {
  switch (action.type) {
    case 'log':
      return [
        ['template', action.template],
        ['level', action.level],
      ];
    case 'exception':
      return [
        ['error type', action.errorType ?? '(any)'],
        ['message pattern', action.messagePattern ?? '(any)'],
        ['files', action.files?.join(', ') ?? '(any)'],
        ['rate', `${action.ratePerMinute} a minute per distinct stack`],
        ['frames', `${action.frames ?? 1} (the throw site${(action.frames ?? 1) > 1 ? ' and its callers' : ''})`],
      ];
    case 'snapshot':
      return [['watches', action.watches.length === 0 ? '(none)' : action.watches.join(', ')]];
    case 'counter':
    case 'tictoc':
    case 'duration':
    case 'metric':
      return [
        [
          'metric',
          `${action.name}${action.type === 'counter' ? ` (${action.unit})` : action.type === 'metric' ? ` = ${action.expression} (${action.instrument})` : ' (s)'}`,
        ],
        ...(action.type === 'tictoc' ? [['toc', `${action.toc.file ?? action.file}:${action.toc.line}`] as [string, string]] : []),
        ...(action.type === 'duration' && action.function !== undefined ? [['function', action.function] as [string, string]] : []),
        [
          'attributes',
          Object.entries(action.attributes)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ') || '(none)',
        ],
      ];
  }
}

function describeAction(action: ActionView, now: Date): string[] {
  const lines = formatFields([
    ['id', action.id],
    ['type', action.type],
    ['location', actionLocation(action)],
    ...typeFields(action),
    ['condition', action.condition ?? '(none)'],
    ['target', formatTargets(action)],
    ['max hits', String(action.maxHits)],
    ...('ratePerSecond' in action && action.ratePerSecond !== undefined
      ? [['rate', `at most ${action.ratePerSecond} hits per second; the rest counted, not captured`] as [string, string]]
      : []),
    ['created', `${action.createdAt} (${relativeTime(action.createdAt, now)})`],
    ['expires', `${action.expiresAt} (${relativeTime(action.expiresAt, now)})`],
    ...(action.updatedAt === undefined
      ? []
      : [['edited', `${action.updatedAt} (${relativeTime(action.updatedAt, now)})`] as [string, string]]),
    ['state', action.state],
    ['summary', action.summary],
  ]);
  if (action.statuses.length === 0) return lines;
  const rows = action.statuses.map((s) => [
    s.agentId,
    s.state,
    String(s.hits),
    s.location === undefined ? '' : `${s.location.file}:${s.location.line}`,
    clockTime(s.time),
    s.message ?? '',
  ]);
  return [...lines, '', ...formatTable(['AGENT', 'STATE', 'HITS', 'RESOLVED TO', 'SINCE', 'MESSAGE'], rows)];
}
