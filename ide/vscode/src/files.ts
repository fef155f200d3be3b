/**
 * How the extension names files: workspace-relative, as agents match them by path suffix, or
 * through `liveprobe.pathMappings` where the deployed tree differs (the same rules as
 * `liveprobe dap`, from its paths module).
 */
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { agentFileOf, localFileOf, type PathMapping } from 'liveprobe/dist/dap/paths.js';

export function mappingFor(folder: vscode.WorkspaceFolder): PathMapping {
  const configured = vscode.workspace.getConfiguration('liveprobe', folder.uri).get<Record<string, string>>('pathMappings', {});
  const map = Object.fromEntries(
    Object.entries(configured).map(([local, remote]) => [isAbsolute(local) ? local : join(folder.uri.fsPath, local), remote]),
  );
  return { root: folder.uri.fsPath, map };
}

/** The file name an action on this document carries. */
export function agentFile(uri: vscode.Uri): string {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return folder === undefined ? uri.fsPath : agentFileOf(uri.fsPath, mappingFor(folder));
}

/** The local file an action's file (or an agent's reported path) names, if it is in the workspace. */
export function localUri(file: string): vscode.Uri | undefined {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const local = localFileOf(file, mappingFor(folder));
    if (local !== undefined) return vscode.Uri.file(local);
  }
  return undefined;
}

/** Whether an action's file names this document: the same name, or a suffix of it at a `/`. */
export function namesDocument(actionFile: string, uri: vscode.Uri): boolean {
  const mine = agentFile(uri);
  return mine === actionFile || mine.endsWith(`/${actionFile.replace(/^\.?\//, '')}`) || localUri(actionFile)?.fsPath === uri.fsPath;
}
