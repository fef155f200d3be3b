/**
 * Actions in the code: a gutter icon per action line by state, the action and its hit count
 * after the line, and a hover with each agent's status and message.
 */
import * as vscode from 'vscode';
import type { ActionView } from '@liveprobe/protocol';
import { describeAction, GUTTER_STATES, gutterState, hitsOf, type GutterState } from './action-state.js';
import type { ActionsStore } from './actions-store.js';
import { namesDocument } from './files.js';

const COLORS: Record<GutterState, string> = {
  installed: 'charts.green',
  prepared: 'charts.green',
  sampling: 'charts.orange',
  paused: 'charts.orange',
  error: 'errorForeground',
  waiting: 'descriptionForeground',
  done: 'descriptionForeground',
};
const WORDS: Record<GutterState, string> = {
  installed: 'installed',
  prepared: 'installed on prepared sites',
  sampling: 'sampling (over quota)',
  paused: 'paused (over quota)',
  error: 'error',
  waiting: 'waiting',
  done: 'done (hit limit reached)',
};

export function decorations(store: ActionsStore, media: vscode.Uri): vscode.Disposable {
  const types = new Map(
    GUTTER_STATES.map((state) => [
      state,
      vscode.window.createTextEditorDecorationType({
        gutterIconPath: vscode.Uri.joinPath(media, `${state}.svg`),
        gutterIconSize: 'contain',
        after: { color: new vscode.ThemeColor(COLORS[state]), margin: '0 0 0 2em' },
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      }),
    ]),
  );
  const paint = (editor: vscode.TextEditor) => {
    const byState = new Map<GutterState, vscode.DecorationOptions[]>(GUTTER_STATES.map((s) => [s, []]));
    const byLine = new Map<number, ActionView[]>();
    for (const action of store.actions) {
      if (
        action.state !== 'active' ||
        action.line < 1 ||
        action.line > editor.document.lineCount ||
        !namesDocument(action.file, editor.document.uri)
      )
        continue;
      byLine.set(action.line, [...(byLine.get(action.line) ?? []), action]);
    }
    for (const [line, actions] of byLine) {
      const states = actions.map((a) => gutterState(a, store.errorsOf(a.id)));
      const worst =
        GUTTER_STATES.slice()
          .reverse()
          .find((s) => states.includes(s)) ?? 'waiting';
      const text = actions
        .map((a) => `${a.type} · ${hitsOf(a)} hit${hitsOf(a) === 1 ? '' : 's'} · ${WORDS[gutterState(a, store.errorsOf(a.id))]}`)
        .join('  |  ');
      const end = editor.document.lineAt(line - 1).range.end;
      byState.get(worst)?.push({
        range: new vscode.Range(end, end),
        hoverMessage: hover(actions, store),
        renderOptions: { after: { contentText: `liveprobe ${text}` } },
      });
    }
    for (const [state, options] of byState) editor.setDecorations(types.get(state) as vscode.TextEditorDecorationType, options);
  };
  const paintAll = () => vscode.window.visibleTextEditors.forEach(paint);
  return vscode.Disposable.from(...types.values(), store.onDidChange(paintAll), vscode.window.onDidChangeVisibleTextEditors(paintAll));
}

function hover(actions: ActionView[], store: ActionsStore): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  for (const a of actions) {
    md.appendMarkdown(`**liveprobe ${a.id}** — `).appendText(describeAction(a)).appendMarkdown('\n\n');
    md.appendText(a.summary).appendMarkdown('\n\n');
    for (const s of a.statuses)
      md.appendMarkdown(`- \`${s.agentId}\`: ${s.state}, ${s.hits} hits`)
        .appendText(s.message === undefined ? '' : ` — ${s.message}`)
        .appendMarkdown('\n');
    for (const [agent, message] of store.errorsOf(a.id))
      md.appendMarkdown(`- \`${agent}\`: last error`).appendText(` — ${message}`).appendMarkdown('\n');
    md.appendMarkdown('\n');
  }
  return md;
}
