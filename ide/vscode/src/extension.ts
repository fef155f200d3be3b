/** The extension's entry point: wires the connection to the views, the editor and the commands. */
import * as vscode from 'vscode';
import type { Principal } from '@liveprobe/protocol';
import { ApiClient } from 'liveprobe/dist/api/client.js';
import { CliError } from 'liveprobe/dist/errors.js';
import { addActionCommands } from './add-action.js';
import { ActionsStore } from './actions-store.js';
import { Connection, TOKEN_KEY } from './connection.js';
import { debugging } from './debugging.js';
import { decorations } from './decorations.js';
import { diagnostics } from './diagnostics.js';
import { namesDocument } from './files.js';
import { liveOutput } from './live-output.js';
import { statusBar } from './status-bar.js';
import { ActionsTree, AgentsTree, refreshCommand } from './trees.js';

export function activate(context: vscode.ExtensionContext): void {
  const connection = new Connection(context.secrets);
  const store = new ActionsStore(connection);
  const channel = vscode.window.createOutputChannel('liveprobe');
  const media = vscode.Uri.joinPath(context.extensionUri, 'media');
  context.subscriptions.push(
    connection,
    store,
    channel,
    statusBar(connection),
    decorations(store, media),
    diagnostics(store),
    liveOutput(connection, store, channel),
    debugging(connection),
    addActionCommands(connection, store),
    refreshCommand(store, connection),
    vscode.window.registerTreeDataProvider('liveprobe.actions', new ActionsTree(store, connection, media)),
    vscode.window.registerTreeDataProvider('liveprobe.agents', new AgentsTree(connection)),
    vscode.commands.registerCommand('liveprobe.showOutput', () => channel.show(true)),
    vscode.commands.registerCommand('liveprobe.signIn', () => signIn(context.secrets, connection)),
    vscode.commands.registerCommand('liveprobe.signOut', async () => {
      await context.secrets.delete(TOKEN_KEY);
      void connection.start();
    }),
    vscode.commands.registerCommand('liveprobe.removeAction', (node?: { action?: { id: string } }) =>
      remove(connection, store, node?.action === undefined ? [] : [node.action.id]),
    ),
    vscode.commands.registerCommand('liveprobe.removeActionsHere', (arg?: { lineNumber?: number }) => {
      const editor = vscode.window.activeTextEditor;
      if (editor === undefined) return;
      const line = arg?.lineNumber ?? editor.selection.active.line + 1;
      return remove(
        connection,
        store,
        store.actions.filter((a) => a.line === line && namesDocument(a.file, editor.document.uri)).map((a) => a.id),
      );
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('liveprobe.server')) void connection.start();
    }),
  );
  void connection.start();
}

async function signIn(secrets: vscode.SecretStorage, connection: Connection): Promise<void> {
  const token = await vscode.window.showInputBox({
    title: `liveprobe: sign in to ${connection.server}`,
    prompt:
      "An API token (lpt_…, from `liveprobe token create` or the portal) or your identity provider's token; it is kept in the editor's secret storage",
    password: true,
    ignoreFocusOut: true,
  });
  if (token === undefined || token.trim() === '') return;
  try {
    const who = await new ApiClient(connection.server, token.trim()).get<Principal>('/whoami');
    await secrets.store(TOKEN_KEY, token.trim());
    void vscode.window.showInformationMessage(`liveprobe: signed in as ${who.name} (${who.role})`);
    void connection.start();
  } catch (err) {
    void vscode.window.showErrorMessage(`liveprobe: sign-in failed: ${err instanceof CliError ? err.lines().join('; ') : String(err)}`);
  }
}

async function remove(connection: Connection, store: ActionsStore, ids: string[]): Promise<void> {
  for (const id of ids) {
    try {
      await connection.api().delete(`/actions/${encodeURIComponent(id)}`);
      store.forget(id);
    } catch (err) {
      if (!connection.refused(err))
        void vscode.window.showErrorMessage(`liveprobe: could not remove ${id}: ${err instanceof CliError ? err.message : String(err)}`);
    }
  }
}

export function deactivate(): void {}
