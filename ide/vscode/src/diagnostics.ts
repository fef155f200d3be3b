/** Agent-side problems with an action (an unknown variable, no code there, source differs, over quota) in the Problems view. */
import * as vscode from 'vscode';
import type { ActionsStore } from './actions-store.js';
import { localUri } from './files.js';

export function diagnostics(store: ActionsStore): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('liveprobe');
  const update = () => {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const action of store.actions) {
      const uri = localUri(action.file);
      if (uri === undefined || action.state !== 'active') continue;
      for (const status of action.statuses) {
        const severity = status.state === 'error' ? vscode.DiagnosticSeverity.Error : status.state === 'paused' ? vscode.DiagnosticSeverity.Warning : undefined;
        if (severity === undefined) continue;
        const line = Math.max(0, action.line - 1);
        const d = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), `${action.type} action ${action.id} on ${status.agentId}: ${status.message ?? status.state}`, severity);
        d.source = 'liveprobe';
        byFile.set(uri.toString(), [...(byFile.get(uri.toString()) ?? []), d]);
      }
    }
    collection.clear();
    for (const [uri, list] of byFile) collection.set(vscode.Uri.parse(uri), list);
  };
  return vscode.Disposable.from(collection, store.onDidChange(update));
}
