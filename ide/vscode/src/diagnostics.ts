/** Agent-side problems with an action (an unknown variable, no code there, source differs, over quota) in the Problems view. */
import * as vscode from 'vscode';
import { SAMPLING } from './action-state.js';
import type { ActionsStore } from './actions-store.js';
import { localUri } from './files.js';

export function diagnostics(store: ActionsStore): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('liveprobe');
  const update = () => {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const action of store.actions) {
      const uri = localUri(action.file);
      if (uri === undefined || action.state !== 'active') continue;
      const problems: [string, string, vscode.DiagnosticSeverity][] = [];
      const remembered = store.errorsOf(action.id);
      for (const status of action.statuses) {
        if (status.state === 'error') problems.push([status.agentId, status.message ?? 'error', vscode.DiagnosticSeverity.Error]);
        else if (status.state === 'pending')
          problems.push([status.agentId, status.message ?? 'pending', vscode.DiagnosticSeverity.Information]);
        else if ((status.state === 'installed' || status.state === 'resumed') && SAMPLING.test(status.message ?? ''))
          problems.push([status.agentId, status.message ?? 'sampling', vscode.DiagnosticSeverity.Warning]);
        else if (status.state === 'paused') problems.push([status.agentId, status.message ?? 'paused', vscode.DiagnosticSeverity.Warning]);
        const earlier = remembered.get(status.agentId);
        if (status.state !== 'error' && earlier !== undefined) problems.push([status.agentId, earlier, vscode.DiagnosticSeverity.Error]);
      }
      const line = Math.max(0, action.line - 1);
      for (const [agent, message, severity] of problems) {
        const d = new vscode.Diagnostic(
          new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER),
          `${action.type} action ${action.id} on ${agent}: ${message}`,
          severity,
        );
        d.source = 'liveprobe';
        byFile.set(uri.toString(), [...(byFile.get(uri.toString()) ?? []), d]);
      }
    }
    collection.clear();
    for (const [uri, list] of byFile) collection.set(vscode.Uri.parse(uri), list);
  };
  return vscode.Disposable.from(collection, store.onDidChange(update));
}
