/**
 * Adding an action at the cursor: the type's own fields, then a condition, a hit limit and an
 * expiry (all optional), then the targets if the settings name none. The file is named as
 * agents match it and the line's text goes along, so agents running other code refuse it.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import * as vscode from 'vscode';
import type { CreatedAction } from '@liveprobe/protocol';
import { LOG_LEVELS, type ActionInput } from '@liveprobe/protocol';
import { ApiError, InvalidOptionsError } from 'liveprobe/dist/errors.js';
import { inUserTerms } from 'liveprobe/dist/field-terms.js';
import { ACTION_PROMPT_TERMS } from './action-terms.js';
import type { ActionsStore } from './actions-store.js';
import { ask, parseLimits, splitWatches, validExpression, validLimits, validMetricName, validTemplate, validWatches } from './ask.js';
import type { Connection } from './connection.js';
import { agentFile } from './files.js';

type Kind = 'log' | 'snapshot' | 'counter' | 'tictoc' | 'duration' | 'metric';
type Fields = Record<string, unknown>;

export function addActionCommands(connection: Connection, store: ActionsStore): vscode.Disposable {
  const kinds: [string, Kind][] = [
    ['addLog', 'log'],
    ['addSnapshot', 'snapshot'],
    ['addCounter', 'counter'],
    ['addTicToc', 'tictoc'],
    ['addDuration', 'duration'],
    ['addMetric', 'metric'],
  ];
  return vscode.Disposable.from(
    ...kinds.map(([command, kind]) =>
      vscode.commands.registerCommand(`liveprobe.${command}`, (arg?: { lineNumber?: number }) =>
        add(kind, connection, store, arg?.lineNumber),
      ),
    ),
  );
}

async function add(kind: Kind, connection: Connection, store: ActionsStore, gutterLine?: number): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) return void vscode.window.showErrorMessage('liveprobe: open a source file and put the cursor on a line first');
  const line = gutterLine ?? editor.selection.active.line + 1;
  const title = `liveprobe: ${kind} at ${vscode.workspace.asRelativePath(editor.document.uri)}:${line}`;
  const fields = await typeFields(kind, title, editor, line);
  if (fields === undefined) return;
  const condition =
    kind === 'duration'
      ? ''
      : await ask(title, 'Condition: act only when this expression is true, e.g. `order.amount > 100`', validExpression, {
          optional: true,
        });
  if (condition === undefined) return;
  const limitsText = await ask(title, 'Hit limit and expiry, e.g. `100 30m` (defaults: 1000 hits, 1 snapshot; 1h)', validLimits, {
    optional: true,
  });
  if (limitsText === undefined) return;
  const target = await targets(connection, title);
  if (target === undefined) return;
  const limits = parseLimits(limitsText) as { maxHits?: number; expiresIn?: string };
  const file = agentFile(editor.document.uri);
  const body = {
    type: kind,
    file,
    line,
    lineText: editor.document.lineAt(line - 1).text.slice(0, 1000),
    ...fields,
    ...(condition === '' ? {} : { condition }),
    ...limits,
    ...target,
  } as ActionInput;
  try {
    const created = await inUserTerms(connection.api().post<CreatedAction>('/actions', body), body, ACTION_PROMPT_TERMS, false);
    store.remember(created.action);
    const warnings = created.warnings.length > 0 ? ` (${created.warnings.join('; ')})` : '';
    void vscode.window.showInformationMessage(`liveprobe: ${kind} ${created.action.id} added at ${file}:${line}${warnings}`);
  } catch (err) {
    if (connection.refused(err)) return;
    const message = err instanceof ApiError || err instanceof InvalidOptionsError ? err.lines().join('; ') : errorMessage(err);
    void vscode.window.showErrorMessage(`liveprobe: the ${kind} was not added: ${message}`);
  }
}

async function typeFields(kind: Kind, title: string, editor: vscode.TextEditor, line: number): Promise<Fields | undefined> {
  switch (kind) {
    case 'log': {
      const template = await ask(
        title,
        'Message: `{expressions}` are evaluated at the line, e.g. `order {order.id} for {userId}`',
        validTemplate,
      );
      if (template === undefined) return undefined;
      const level = await vscode.window.showQuickPick(['info', ...LOG_LEVELS.filter((l) => l !== 'info')], {
        title,
        placeHolder: 'Level',
        ignoreFocusOut: true,
      });
      return level === undefined ? undefined : { template, level };
    }
    case 'snapshot': {
      const watches = await ask(title, 'Watch expressions, separated by `;`', validWatches, { optional: true });
      return watches === undefined ? undefined : { watches: splitWatches(watches) };
    }
    case 'metric': {
      const expression = await ask(title, 'The value to record, e.g. `order.amount`', validExpression);
      if (expression === undefined) return undefined;
      const name = await ask(title, 'Metric name, e.g. `shop.order.amount`', validMetricName);
      return name === undefined ? undefined : { expression, name };
    }
    case 'tictoc': {
      const last = editor.selection.end.line + 1;
      const toc =
        last !== line
          ? String(last)
          : await ask(title, 'Toc line: where the measurement ends (or select from the tic line to the toc line first)', (t) =>
              /^\d+$/.test(t) && Number(t) > 0 ? undefined : 'a line number',
            );
      if (toc === undefined) return undefined;
      const name = await ask(title, 'Metric name, e.g. `shop.checkout.seconds`', validMetricName);
      return name === undefined ? undefined : { toc: { line: Number(toc) }, name };
    }
    case 'counter':
    case 'duration': {
      const name = await ask(title, `Metric name, e.g. \`shop.checkout.${kind === 'counter' ? 'calls' : 'seconds'}\``, validMetricName);
      return name === undefined ? undefined : { name };
    }
  }
}

/** The settings' tags and agents, or a pick among what the server knows (the online agents' tags preselected). */
async function targets(connection: Connection, title: string): Promise<{ tags: string[]; agents: string[] } | undefined> {
  const config = vscode.workspace.getConfiguration('liveprobe');
  const tags = config.get<string[]>('tags', []);
  const agents = config.get<string[]>('agents', []);
  if (tags.length > 0 || agents.length > 0) return { tags, agents };
  const online = connection.agents.filter((a) => a.online);
  const onlineTags = new Set(online.flatMap((a) => a.tags));
  const allTags = [...new Set(connection.agents.flatMap((a) => a.tags))].sort();
  type Item = vscode.QuickPickItem & { tag?: string; agent?: string };
  const items: Item[] = [
    ...allTags.map((tag) => ({
      label: `tag: ${tag}`,
      tag,
      picked: onlineTags.has(tag),
      description: `${online.filter((a) => a.tags.includes(tag)).length} online`,
    })),
    ...connection.agents.map((a) => ({ label: `agent: ${a.agentId}`, agent: a.agentId, description: a.online ? 'online' : 'offline' })),
  ];
  if (items.length === 0) {
    void vscode.window.showErrorMessage('liveprobe: no agent has connected yet; start your app with the agent, or set `liveprobe.tags`');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: 'Which agents? (the tags of the agents online are selected)',
    canPickMany: true,
    ignoreFocusOut: true,
  });
  if (picked === undefined || picked.length === 0) return undefined;
  return {
    tags: picked.flatMap((p) => (p.tag === undefined ? [] : [p.tag])),
    agents: picked.flatMap((p) => (p.agent === undefined ? [] : [p.agent])),
  };
}
