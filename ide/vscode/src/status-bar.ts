/** The status bar item: connection, agents online, errors; a click signs in or shows the output. */
import * as vscode from 'vscode';
import type { Connection, ConnectionState } from './connection.js';

export function statusBar(connection: Connection): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('liveprobe.status', vscode.StatusBarAlignment.Left, 50);
  item.name = 'liveprobe';
  const show = (state: ConnectionState) => {
    const online = connection.agents.filter((a) => a.online).length;
    item.backgroundColor = undefined;
    item.command = 'liveprobe.showOutput';
    switch (state.kind) {
      case 'connecting':
        item.text = '$(sync~spin) liveprobe: connecting';
        item.tooltip = `connecting to ${state.server}`;
        break;
      case 'connected':
        item.text = `$(pulse) liveprobe: ${online} agent${online === 1 ? '' : 's'} online`;
        item.tooltip = `connected to ${state.server}`;
        break;
      case 'unreachable':
        item.text = `$(debug-disconnect) liveprobe: unreachable, retrying in ${Math.round(state.retryMs / 1000)}s`;
        item.tooltip = `cannot reach ${state.server}: ${state.reason}`;
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
      case 'signed-out':
        item.text = '$(key) liveprobe: sign in';
        item.tooltip = `${state.server} refused the token: ${state.reason}. Click to sign in.`;
        item.command = 'liveprobe.signIn';
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
      case 'misconfigured':
        item.text = '$(error) liveprobe: check the server setting';
        item.tooltip = state.reason;
        item.command = { title: 'Open settings', command: 'workbench.action.openSettings', arguments: ['liveprobe.server'] };
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
    item.show();
  };
  show(connection.state);
  return vscode.Disposable.from(item, connection.onDidChangeState(show));
}
