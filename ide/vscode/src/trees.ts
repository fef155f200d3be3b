/** The Actions view (by file, snapshots under snapshot actions) and the Agents view. */
import * as vscode from 'vscode';
import type { ActionView, AgentView, SnapshotList, SnapshotSummary } from '@liveprobe/protocol';
import { describeAction, gutterState, hitsOf } from './action-state.js';
import type { ActionsStore } from './actions-store.js';
import type { Connection } from './connection.js';
import { localUri } from './files.js';

type ActionNode = { kind: 'file'; file: string } | { kind: 'action'; action: ActionView } | { kind: 'snapshot'; snapshot: SnapshotSummary };

export class ActionsTree implements vscode.TreeDataProvider<ActionNode> {
  readonly #changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.#changed.event;

  constructor(
    private readonly store: ActionsStore,
    private readonly connection: Connection,
    private readonly media: vscode.Uri,
  ) {
    store.onDidChange(() => this.#changed.fire());
  }

  async getChildren(node?: ActionNode): Promise<ActionNode[]> {
    if (node === undefined) return [...new Set(this.store.actions.map((a) => a.file))].sort().map((file) => ({ kind: 'file', file }));
    if (node.kind === 'file')
      return this.store.actions
        .filter((a) => a.file === node.file)
        .sort((a, b) => a.line - b.line)
        .map((action) => ({ kind: 'action', action }));
    if (node.kind === 'action' && node.action.type === 'snapshot') {
      const { snapshots } = await this.connection.api().get<SnapshotList>('/snapshots', { action: node.action.id, limit: '20' });
      return snapshots.map((snapshot) => ({ kind: 'snapshot', snapshot }));
    }
    return [];
  }

  getTreeItem(node: ActionNode): vscode.TreeItem {
    if (node.kind === 'file') {
      const uri = localUri(node.file);
      const item =
        uri === undefined
          ? new vscode.TreeItem(node.file, vscode.TreeItemCollapsibleState.Expanded)
          : new vscode.TreeItem(uri, vscode.TreeItemCollapsibleState.Expanded);
      item.description = uri === undefined ? 'not in this workspace' : node.file;
      return item;
    }
    if (node.kind === 'snapshot') {
      const s = node.snapshot;
      const item = new vscode.TreeItem(`${s.time.slice(11, 19)} ${s.agentId}`);
      item.description = s.id;
      item.command = { title: 'Open snapshot', command: 'liveprobe.openSnapshot', arguments: [s.id] };
      item.iconPath = new vscode.ThemeIcon('debug-stackframe');
      return item;
    }
    const a = node.action;
    const item = new vscode.TreeItem(
      `${a.line}: ${describeAction(a)}`,
      a.type === 'snapshot' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = a.id;
    item.description = `${hitsOf(a)} hits · ${a.state === 'expired' ? 'expired' : a.summary}`;
    item.tooltip = `${a.id} · ${a.summary}`;
    item.contextValue = 'action';
    item.iconPath = vscode.Uri.joinPath(this.media, `${gutterState(a, this.store.errorsOf(a.id))}.svg`);
    const uri = localUri(a.file);
    if (uri !== undefined)
      item.command = {
        title: 'Open',
        command: 'vscode.open',
        arguments: [uri, { selection: new vscode.Range(a.line - 1, 0, a.line - 1, 0) }],
      };
    return item;
  }
}

export class AgentsTree implements vscode.TreeDataProvider<AgentView> {
  readonly #changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.#changed.event;

  constructor(private readonly connection: Connection) {
    connection.onDidChangeAgents(() => this.#changed.fire());
  }

  getChildren(node?: AgentView): AgentView[] {
    return node === undefined ? this.connection.agents : [];
  }

  getTreeItem(agent: AgentView): vscode.TreeItem {
    const item = new vscode.TreeItem(agent.agentId);
    item.description = `${agent.online ? 'online' : 'offline'} · ${agent.runtime} ${agent.runtimeVersion} · ${agent.tags.join(', ') || 'no tags'}`;
    item.tooltip = `${agent.hostname} pid ${agent.pid}, agent ${agent.agentVersion}, last seen ${agent.lastSeen}`;
    item.iconPath = new vscode.ThemeIcon(agent.online ? 'vm-running' : 'vm-outline');
    return item;
  }
}

/** Runs `refresh` when the views' refresh button is pressed. */
export function refreshCommand(store: ActionsStore, connection: Connection): vscode.Disposable {
  return vscode.commands.registerCommand('liveprobe.refresh', async () => {
    await store.refresh();
    if (connection.state.kind !== 'connected') void connection.start();
  });
}
