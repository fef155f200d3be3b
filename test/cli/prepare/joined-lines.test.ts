/**
 * Source lines that share a generated line: tsc writes a multi-line arrow on its statement's line,
 * and a minified bundle holds every line on one. An action on such a line goes on the prepared
 * site whose statement the map sends to that line, not on the first site of the generated line
 * (another line's statement, in another scope): prepared at build time (CommonJS from tsc, an ESM
 * bundle from esbuild --minify) and as the bundle loads (LIVEPROBE_PREPARE). The arrow's
 * expression body, on a line of its own, has a site of its own in every build.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ActionStatusView, OutputEvent } from '@liveprobe/protocol';
import { cli, compileTypeScript, lineOf, otlpReceiver, sseEvents, startApp, tempDir, waitFor } from '../../helpers/index.js';
import { Child, fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane, getAction } from '../../agent/fixtures.js';

const TS = 'test/fixtures/joined-lines/server.ts';
const WAIT = 20_000;
const NO_SERVER = 'http://127.0.0.1:9';

interface Variant {
  name: string;
  compile: (out: string) => Promise<void>;
  script: string;
  prepare: 'build' | 'load';
  /** Whether the arrow's body takes its own site: not when lines are matched by generated line. */
  arrowOnItsLine: boolean;
  /** Deletes the input's map beside the prepared file: the composed map alone then places lines. */
  inputMapDeployed?: false;
}

/** tsc's CommonJS output of the fixture, with its maps. */
const tscCommonJs = (out: string): Promise<void> => compileTypeScript([fromRoot(TS)], { outDir: out, module: 'commonjs' });

/** esbuild's minified ES module bundle of the fixture, with its map. */
async function minifiedBundle(out: string, name = 'server.mjs'): Promise<void> {
  const args = [fromRoot(TS), '--bundle', '--platform=node', '--format=esm', '--minify', '--sourcemap', `--outfile=${join(out, name)}`];
  const esbuild = new Child(fromRoot('node_modules/.bin/esbuild'), args, { name: 'esbuild' });
  assert.equal((await esbuild.exited).code, 0, esbuild.output());
}

const VARIANTS: Variant[] = [
  {
    name: 'tsc (CommonJS), prepared at build time',
    compile: tscCommonJs,
    script: 'server.js',
    prepare: 'build',
    arrowOnItsLine: true,
  },
  {
    name: 'tsc (CommonJS), prepared at build time, deployed without its input’s map',
    compile: tscCommonJs,
    script: 'server.js',
    prepare: 'build',
    // Matched by generated line, the arrow's body goes with the statement tsc wrote it beside.
    arrowOnItsLine: false,
    inputMapDeployed: false,
  },
  {
    name: 'esbuild --minify (ESM bundle), prepared at build time',
    compile: minifiedBundle,
    script: 'server.mjs',
    prepare: 'build',
    arrowOnItsLine: true,
  },
  {
    // Vite names Astro's runtime chunk so: the prepared file's map comment is a URL, `_%40astrojs…`,
    // which the agent read as a path, so found no map, and a line without a site never installed.
    name: 'esbuild --minify (ESM bundle) in a file named with an @ (Vite’s `_@astrojs-ssr-adapter_<hash>.mjs`), prepared at build time',
    compile: (out) => minifiedBundle(out, '_@astrojs-ssr-adapter_C-_Nljhk.mjs'),
    script: '_@astrojs-ssr-adapter_C-_Nljhk.mjs',
    prepare: 'build',
    arrowOnItsLine: true,
  },
  {
    name: 'esbuild --minify (ESM bundle), prepared as it loads',
    compile: minifiedBundle,
    script: 'server.mjs',
    prepare: 'load',
    arrowOnItsLine: true,
  },
];

/** The variant's build, prepared into `prepared/` when it is prepared at build time; the script to run. */
async function build(t: TestContext, variant: Variant): Promise<{ script: string; dir: string }> {
  const dir = await tempDir('liveprobe-joined-lines-');
  t.after(() => dir.remove());
  const dist = join(dir.path, 'dist');
  await variant.compile(dist);
  if (variant.prepare === 'load') return { script: join(dist, variant.script), dir: dist };
  const prepared = join(dir.path, 'prepared');
  const result = await cli(['prepare', dist, '--out', prepared], { server: NO_SERVER });
  assert.equal(result.code, 0, result.stderr);
  if (variant.inputMapDeployed === false) rmSync(join(prepared, `${variant.script}.map`));
  return { script: join(prepared, variant.script), dir: prepared };
}

for (const variant of VARIANTS) {
  test(`${variant.name}: an action on a line that shares its generated line goes on that line’s own site`, async (t) => {
    const { script, dir } = await build(t, variant);
    const plain = await startApp({ script, module: 'esm', agent: false, broker: NO_SERVER, tags: ['none'] });
    t.after(() => plain.stop());
    const expected = await (await fetch(`${plain.url}/?items=3`)).text();
    assert.equal(expected, '12');

    const cp = await controlPlane(t);
    const otlp = await otlpReceiver();
    t.after(() => otlp.stop());
    const app = await startApp({
      script,
      module: 'esm',
      broker: cp.mqttUrl,
      tags: ['joined'],
      env: { ...otlp.env('http/protobuf'), ...(variant.prepare === 'load' ? { LIVEPROBE_PREPARE: `${dir}/**` } : {}) },
    });
    t.after(() => app.stop());

    const installedStatus = async (id: string): Promise<ActionStatusView> =>
      waitFor(
        async () => (await getAction(cp, id)).statuses.find((s) => s.state === 'installed' || s.state === 'error'),
        WAIT,
        `${id} installed`,
      );
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    // Each of these lines has a statement of its own in every build, so a prepared site. The
    // minifier renames `amount` and `sum`: the site reads them by the names its map records.
    const onSites = {
      add: ['joined-add', 'add {amount} to {sum}'],
      return: ['joined-return', 'return'],
      answer: ['joined-answer', 'answer'],
    };
    const ids = new Map<string, string>();
    for (const [name, [probe, template]] of Object.entries(onSites)) {
      const line = lineOf(TS, probe!);
      const { action } = await addAction(cp, { type: 'log', file: TS, line, template: template!, tags: ['joined'] });
      const status = await installedStatus(action.id);
      assert.equal(status.message, 'prepared site (no breakpoint)', `${probe}: ${status.message}`);
      assert.equal(status.location?.line, line, `${probe} is installed on its own line`);
      ids.set(name, action.id);
    }
    if (variant.arrowOnItsLine) {
      // The arrow's body shares the generated line of the statement before it; its site is its own.
      const line = lineOf(TS, 'joined-arrow');
      const { action } = await addAction(cp, { type: 'log', file: TS, line, template: 'arrow {item.price}', tags: ['joined'] });
      const status = await installedStatus(action.id);
      assert.equal(status.message, 'prepared site (no breakpoint)', status.message);
      assert.equal(status.location?.line, line, 'the arrow’s body is not moved to the statement it shares a line with');
      ids.set('arrow', action.id);
    }
    const continued = variant.inputMapDeployed !== false;
    if (continued) {
      // A continuation line has no statement, so no site: a breakpoint stops at its own call
      // (tsc and the minifier join it to its statement's line, after that statement's guard),
      // and reports that line. Matched by generated line, it goes with its statement.
      const line = lineOf(TS, 'joined-continuation');
      const template = 'continued with {items.length}';
      const { action } = await addAction(cp, { type: 'log', file: TS, line, template, tags: ['joined'] });
      const status = await installedStatus(action.id);
      assert.match(status.message ?? '', /^breakpoint/, status.message);
      assert.equal(status.location?.line, line, 'the breakpoint is reported on the line asked');
      ids.set('continuation', action.id);
    }
    assert.equal(await (await fetch(`${app.url}/?items=3`)).text(), expected, 'the app answers as without the agent');
    // Three items: the loop's line and the arrow's body run three times, the others once.
    const wanted: Record<string, number> = {
      add: 3,
      return: 1,
      answer: 1,
      ...(continued ? { continuation: 1 } : {}),
      ...(variant.arrowOnItsLine ? { arrow: 3 } : {}),
    };
    const hitsOf = async (template: string): Promise<number> =>
      Math.max(0, ...(await getAction(cp, ids.get(template)!)).statuses.map((s) => s.hits));
    for (const [template, hits] of Object.entries(wanted))
      await waitFor(async () => (await hitsOf(template)) >= hits, WAIT, `${hits} hit(s) of ${template}`);
    for (const [template, hits] of Object.entries(wanted)) assert.equal(await hitsOf(template), hits, `hits of ${template}`);
    const messages = [
      'add 2 to 0',
      'add 4 to 2',
      'add 6 to 6',
      ...(continued ? ['continued with 3'] : []),
      ...(variant.arrowOnItsLine ? ['arrow 1', 'arrow 2', 'arrow 3'] : []),
    ];
    for (const message of messages)
      await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message === message, WAIT, message);
    // The function by the name the source gives it, which the minifier changed.
    const record = await otlp.waitForLog((r) => r.body === 'add 2 to 0', WAIT, 'the log record');
    assert.equal(record.attributes['code.function.name'], 'total');
  });
}
