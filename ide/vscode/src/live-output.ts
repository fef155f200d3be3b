/**
 * Live output from /api/v1/events in an output channel: each line with its time, agent and the
 * local file:line (the output view turns it into a link that opens the code).
 */
import * as vscode from 'vscode';
import type { EventSourceMessage } from 'eventsource-parser';
import type { ActionsStore } from './actions-store.js';
import type { Connection } from './connection.js';
import { localUri } from './files.js';

interface LiveEvent {
  kind: string;
  actionId?: string;
  agentId: string;
  time: string;
  id?: string;
  message?: string;
  level?: string;
  state?: string;
  count?: number;
  reason?: string;
}

export function liveOutput(connection: Connection, store: ActionsStore, channel: vscode.OutputChannel): vscode.Disposable {
  const write = (message: EventSourceMessage) => {
    const event = JSON.parse(message.data) as LiveEvent;
    const action = event.actionId === undefined ? undefined : store.byId(event.actionId);
    if (action === undefined) return;
    const uri = localUri(action.file);
    // Output of actions on files outside this workspace belongs to someone else's editor.
    if (uri === undefined) return;
    const where = `${uri.fsPath}:${action.line}`;
    const time = event.time.slice(11, 23);
    if (event.kind === 'output')
      channel.appendLine(`${time} ${event.agentId} ${where} ${(event.level ?? 'info').toUpperCase()} ${event.message ?? ''}`);
    else if (event.kind === 'snapshot')
      channel.appendLine(`${time} ${event.agentId} ${where} snapshot ${event.id ?? ''} captured (liveprobe: Open snapshot)`);
    else if (event.kind === 'dropped')
      channel.appendLine(`${time} ${event.agentId} ${where} ${event.count ?? 0} lines dropped: ${event.reason ?? ''}`);
    else if (event.kind === 'action_status' && (event.state === 'error' || event.state === 'paused' || event.state === 'pending'))
      channel.appendLine(`${time} ${event.agentId} ${where} ${event.state}: ${event.message ?? ''}`);
  };
  let last: string | undefined;
  const states = connection.onDidChangeState((state) => {
    // The state is re-announced as the agent count changes: say only what changed.
    const now = `${state.kind} ${state.server}`;
    if (now === last) return;
    last = now;
    if (state.kind === 'unreachable') channel.appendLine(`lost ${state.server} (${state.reason}); retrying in ${state.retryMs / 1000}s`);
    if (state.kind === 'connected') channel.appendLine(`connected to ${state.server}`);
    if (state.kind === 'signed-out') channel.appendLine(`${state.server} refused the token (${state.reason}); run liveprobe: Sign in`);
  });
  return vscode.Disposable.from(connection.onEvent(write), states);
}
