/**
 * Snapshots in the debugger's own views, through the same Debug Adapter Protocol server as
 * `liveprobe dap`, run in-process: opening a snapshot starts a read-only `liveprobe` session;
 * a `liveprobe` launch configuration turns the editor's breakpoints and logpoints into actions.
 */
import { defined } from '@liveprobe/protocol/util';
import * as vscode from 'vscode';
import type { SnapshotList } from '@liveprobe/protocol';
import { LiveprobeDebugSession } from 'liveprobe/dist/dap/session.js';
import type { Connection } from './connection.js';
import { mappingFor } from './files.js';

export function debugging(connection: Connection): vscode.Disposable {
  const factory: vscode.DebugAdapterDescriptorFactory = {
    createDebugAdapterDescriptor(session) {
      const config = vscode.workspace.getConfiguration('liveprobe');
      const folder = session.workspaceFolder ?? vscode.workspace.workspaceFolders?.[0];
      const mapping = folder === undefined ? {} : mappingFor(folder);
      const tags = config.get<string[]>('tags', []);
      const agents = config.get<string[]>('agents', []);
      const adapter = new LiveprobeDebugSession({
        server: connection.server,
        ...defined({ token: connection.token, root: mapping.root }),
        ...(tags.length > 0 ? { tags } : {}),
        ...(agents.length > 0 ? { agents } : {}),
        ...defined({ pathMap: mapping.map }),
      });
      return new vscode.DebugAdapterInlineImplementation(adapter as unknown as vscode.DebugAdapter);
    },
  };
  return vscode.Disposable.from(
    vscode.debug.registerDebugAdapterDescriptorFactory('liveprobe', factory),
    vscode.commands.registerCommand('liveprobe.openSnapshot', (id?: string) => openSnapshot(connection, id)),
  );
}

async function openSnapshot(connection: Connection, given?: string): Promise<void> {
  let id = given;
  if (id === undefined) {
    const { snapshots } = await connection.api().get<SnapshotList>('/snapshots', { limit: '30' });
    if (snapshots.length === 0)
      return void vscode.window.showInformationMessage('liveprobe: no snapshots yet; add a snapshot action on a line and let it run');
    const picked = await vscode.window.showQuickPick(
      snapshots.map((s) => ({
        label: `${s.location.file.split('/').at(-1)}:${s.location.line}${s.location.function === undefined ? '' : ` (${s.location.function})`}`,
        description: `${s.agentId} · ${s.time.slice(11, 19)}`,
        detail: s.id,
      })),
      { title: 'liveprobe: open snapshot (newest first)' },
    );
    id = picked?.detail;
  }
  if (id === undefined) return;
  await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
    type: 'liveprobe',
    request: 'attach',
    name: `liveprobe snapshot ${id}`,
    snapshot: id,
  });
}
