/**
 * Stacks through files `liveprobe prepare` wrote read, with the agent, as the same prepared files'
 * read without it, whatever formats them: Node's plain formatter, source-map-support (which reads
 * each script's map from disk itself), or the app's own `Error.prepareStackTrace` reading maps
 * through node:module. On tsc output (CommonJS and ESM) and minified esbuild bundles (CommonJS
 * and ESM), with the throwing leaf function's site off and on (its twin then runs, and the error
 * is made there); and the original build, prepared as it loads, reads as the original's.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ActionStatusView } from '@liveprobe/protocol';
import { lineOf, waitFor, type App } from '../../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
import { controlPlane } from '../../agent/fixtures.js';
import { addRefusingLog, build, start, TS } from './prepare-build.js';

const WAIT = 20_000;

/**
 * How an app formats its stacks, each set up as apps do: Node's plain formatter (no source maps),
 * source-map-support's register preloaded (it reads each script's map from disk itself), and the
 * app's own `Error.prepareStackTrace` reading maps through node:module under --enable-source-maps.
 * `shows` is where the original build's stack says the error was thrown; `sameAs` reduces a stack
 * to what the original build's must share with it: the sources and positions a map gives, or for
 * the plain formatter, which names the script itself, the frames.
 */
const REFUSED_IN_SOURCE = new RegExp(`prepare-build/server\\.ts:${lineOf(TS, 'build-refuse')}:`);
const FORMATTERS: { name: string; options: string; shows: RegExp; sameAs(stack: string): string }[] = [
  {
    name: "Node's plain formatter",
    options: '',
    shows: /\/dist\/server\.js:\d+:\d+\)/,
    sameAs: (stack) => stack.replace(/\S+\/server\.js:\d+:\d+/g, 'server.js'),
  },
  {
    name: 'source-map-support',
    options: `--require ${fromRoot('node_modules/source-map-support/register.js')}`,
    shows: REFUSED_IN_SOURCE,
    sameAs: (stack) => stack,
  },
  {
    name: 'its own Error.prepareStackTrace',
    options: `--enable-source-maps --require ${fromRoot('test/fixtures/prepare-build/own-formatter.cjs')}`,
    shows: REFUSED_IN_SOURCE,
    sameAs: (stack) => stack.replace(/ \S+\/server\.js:\d+:\d+ ->/g, ''),
  },
];

/** The refused order's stack, as the app sent it back. */
async function refusal(app: App): Promise<string> {
  const response = await fetch(`${app.url}/?total=-2`);
  assert.equal(response.status, 400);
  return response.text();
}

/** Waits until `count` agents report on the action in a way `done` accepts, and gives their reports. */
async function statusesOf(
  cp: Awaited<ReturnType<typeof controlPlane>>,
  id: string,
  count: number,
  done: (status: ActionStatusView) => boolean,
  what: string,
): Promise<ActionStatusView[]> {
  return waitFor(
    async () => {
      const { statuses } = (await (await fetch(`${cp.url}/api/v1/actions/${id}`)).json()) as { statuses: ActionStatusView[] };
      const accepted = statuses.filter(done);
      return accepted.length >= count ? accepted : undefined;
    },
    WAIT,
    `${what} from ${count} agents`,
  );
}

for (const kind of ['commonjs', 'esm', 'minified bundle', 'minified ES module bundle'] as const) {
  test(`a ${kind} prepared by \`liveprobe prepare\`, with the agent: whatever formats its stacks (Node's plain formatter, source-map-support, the app's own), they read as the same prepared files' without the agent, with the throwing leaf function's site off and on (a frame in its twin); prepared as it loads, as the original's`, async (t) => {
    const { dist, prepared, root } = await build(t, kind);
    const cp = await controlPlane(t);
    const tmp = join(root, 'tmp');
    mkdirSync(tmp);
    const module = kind === 'commonjs' || kind === 'minified bundle' ? 'cjs' : 'esm';
    const agent = { broker: cp.mqttUrl, tags: ['prepared'] };
    const runs = await Promise.all(
      FORMATTERS.map(async ({ options }) => {
        const env = { NODE_OPTIONS: options, TMPDIR: tmp };
        const [original, alone, withAgent, asItLoads] = await Promise.all([
          start(t, join(dist, 'server.js'), { agent: false }, env),
          start(t, join(prepared, 'server.js'), { agent: false }, env),
          start(t, join(prepared, 'server.js'), agent, env, module),
          // The file on disk is the original: the agent prepares it as it loads.
          start(t, join(dist, 'server.js'), agent, { ...env, LIVEPROBE_PREPARE: 'app' }, module),
        ]);
        return {
          original: await refusal(original),
          alone: await refusal(alone),
          withAgent,
          asItLoads,
          off: await refusal(withAgent),
          loadedOff: await refusal(asItLoads),
        };
      }),
    );
    const { action } = await addRefusingLog(cp);
    const agents = 2 * FORMATTERS.length;
    const said = (
      await statusesOf(cp, action.id, agents, (s) => s.state === 'installed' || s.state === 'error', "the action's status")
    ).map((s) => `${s.state}: ${s.message}`);
    assert.deepEqual(new Set(said), new Set(['installed: prepared site (no breakpoint)']), said.join('\n'));
    for (const [i, { name, shows, sameAs }] of FORMATTERS.entries()) {
      const run = runs[i]!;
      assert.match(run.original, shows, `${name}: the original build's stack`);
      assert.equal(sameAs(run.alone), sameAs(run.original), `${name}: the prepared files without the agent, as the original build`);
      assert.equal(run.off, run.alone, `${name}: with the agent, site off`);
      assert.equal(await refusal(run.withAgent), run.alone, `${name}: with the agent, site on (the twin runs)`);
      assert.equal(run.loadedOff, run.original, `${name}: prepared as it loads, site off`);
      assert.equal(await refusal(run.asItLoads), run.original, `${name}: prepared as it loads, site on`);
    }
    // Each refusal with the site on ran the twin: every agent counted a hit on the site.
    await statusesOf(cp, action.id, agents, (s) => s.hits >= 1, 'a hit on the site');
  });
}
