/**
 * An app prepared with its node_modules by `liveprobe prepare --node-modules`, then bundled by
 * esbuild: the bundle runs as the original, and with the agent, actions named by the original
 * paths (the app's file and a dependency's) go on the bundle's lines through the composed source
 * maps, as breakpoints. The prepared files inside the bundle stay unbound (each one's header
 * names the bundle, so the agent cannot tell their sites apart), and the agent's status says so.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { PrepareSummary } from '@liveprobe/protocol';
import { cli, lineOf, startApp, tempDir, waitFor, type App } from '../../helpers/index.js';
import { Child, fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane, getAction } from '../../agent/fixtures.js';

const FIXTURE = 'test/fixtures/prepare-bundle';
const WAIT = 20_000;
const NO_SERVER = 'http://127.0.0.1:9';
const DEPENDENCY = 'node_modules/ms/index.js';
/** `return parse(val);` in ms 2.1's index.js, the dependency's line the test probes. */
const PARSE_LINE = readFileSync(fromRoot(DEPENDENCY), 'utf8').split('\n').indexOf('    return parse(val);') + 1;

/** The fixture with ms beside it, prepared with its node_modules, then bundled into bundle/app.js. */
async function preparedBundle(t: TestContext): Promise<{ app: string; bundle: string }> {
  const dir = await tempDir('liveprobe-prepare-bundle-');
  t.after(() => dir.remove());
  const app = join(dir.path, 'app');
  cpSync(fromRoot(FIXTURE), app, { recursive: true });
  cpSync(fromRoot('node_modules/ms'), join(app, 'node_modules/ms'), { recursive: true });
  const prepared = join(dir.path, 'prepared');
  const result = await cli(['prepare', app, '--node-modules', '--out', prepared, '--json'], { server: NO_SERVER });
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { files: { path: string; outcome: string }[] };
  assert.deepEqual(
    report.files.map((f) => [f.path, f.outcome]),
    [
      [DEPENDENCY, 'prepared'],
      ['pricing.js', 'prepared'],
      ['server.js', 'prepared'],
    ],
  );
  const bundle = join(dir.path, 'bundle/app.js');
  const esbuild = new Child(
    fromRoot('node_modules/.bin/esbuild'),
    [join(prepared, 'server.js'), '--bundle', '--platform=node', '--format=cjs', '--sourcemap', `--outfile=${bundle}`],
    { name: 'esbuild' },
  );
  assert.equal((await esbuild.exited).code, 0, esbuild.output());
  return { app, bundle };
}

async function start(t: TestContext, script: string, options: { broker: string; tags: string[]; agent?: false }): Promise<App> {
  const app = await startApp({ script, module: 'esm', ...options });
  t.after(() => app.stop());
  return app;
}

async function ask(app: App, query: string): Promise<string> {
  return (await fetch(`${app.url}/${query}`)).text();
}

test('a bundle of an app prepared with its node_modules runs as the original; with the agent, actions on the app’s and the dependency’s original lines go on the bundle’s lines through the composed maps', async (t) => {
  const { app, bundle } = await preparedBundle(t);
  const none = { broker: 'mqtt://127.0.0.1:9', tags: ['none'], agent: false as const };
  const original = await start(t, join(app, 'server.js'), none);
  const bundled = await start(t, bundle, none);
  assert.equal(await ask(bundled, '?quantity=4&wait=2h'), await ask(original, '?quantity=4&wait=2h'));

  const cp = await controlPlane(t);
  const agentApp = await start(t, bundle, { broker: cp.mqttUrl, tags: ['bundle'] });
  const lines = {
    price: lineOf(`${FIXTURE}/pricing.js`, 'bundle-price'),
    answer: lineOf(`${FIXTURE}/server.js`, 'bundle-answer'),
  };
  const wanted = [
    { file: 'pricing.js', line: lines.price, lineText: '  return rounded; // probe: bundle-price' },
    { file: DEPENDENCY, line: PARSE_LINE, lineText: '    return parse(val);' },
    { file: 'server.js', line: lines.answer },
  ];
  const ids: string[] = [];
  for (const { file, line, lineText } of wanted) {
    const { action } = await addAction(cp, {
      type: 'log',
      file,
      line,
      template: 'quantity {quantity}',
      tags: ['bundle'],
      ...(lineText === undefined ? {} : { lineText }),
    });
    const status = await waitFor(
      async () => (await getAction(cp, action.id)).statuses.find((s) => s.state !== 'pending'),
      WAIT,
      `${file}:${line} placed`,
    );
    assert.equal(status.state, 'installed', JSON.stringify(status));
    assert.match(status.message ?? '', /^breakpoint/, 'the bundle’s prepared files are not bound: a breakpoint');
    assert.equal(status.location?.line, line, `${file}: the original line, through the bundle's map`);
    assert.ok(status.location?.file.endsWith(`prepared/${file}`), `${file} is named by its prepared copy: ${status.location?.file}`);
    ids.push(action.id);
  }

  // Each line runs once a request: every action counts the three requests. V8 reports the bundle compiled twice under
  // one URL (same hash) in the agent's process, so its breakpoints go by URL pattern (inspector-session.ts); by exact
  // URL, pricing.js:5 (`return rounded;`) sat two lines on in the copy that runs and counted nothing.
  for (let i = 1; i <= 3; i++) assert.equal(await ask(agentApp, `?quantity=${i}&wait=2h`), await ask(original, `?quantity=${i}&wait=2h`));
  for (const [index, id] of ids.entries()) {
    const { file } = wanted[index]!;
    await waitFor(async () => (await getAction(cp, id)).statuses[0]?.hits === 3, WAIT, `${file}: three hits`);
  }

  // The agent's status says why the bundle's prepared files took breakpoints.
  type Listed = { tags: string[]; prepare?: PrepareSummary };
  const summary = await waitFor(
    async () =>
      ((await (await fetch(`${cp.url}/api/v1/agents`)).json()) as { agents: Listed[] }).agents.find((a) => a.tags.includes('bundle'))
        ?.prepare,
    WAIT,
    'the bundle in the prepare summary',
  );
  assert.equal(summary.failed, 1);
  assert.equal(summary.prebuilt, undefined, 'no prepared file bound');
  assert.equal(summary.failures[0]?.path, bundle);
  assert.match(
    summary.failures[0]?.reason ?? '',
    /bundled into this script take actions as breakpoints.*bundle first, then prepare the bundle/,
  );
});

test('in that bundle, run with the agent, a `throw` of a prepared file throws the app’s own error', async (t) => {
  const { bundle } = await preparedBundle(t);
  const cp = await controlPlane(t);
  const agentApp = await start(t, bundle, { broker: cp.mqttUrl, tags: ['bundle'] });
  // ms('') throws, in the dependency's prepared copy inside the bundle, and nothing catches it: the app ends.
  await fetch(`${agentApp.url}/?wait=`).catch(() => undefined);
  await agentApp.exited;
  assert.match(agentApp.output(), /Error: val is not a non-empty string or a valid number\. val=""/);
  assert.doesNotMatch(agentApp.output(), /is not a constructor/, 'the unbound file’s `new $lpW(e)` gives back the error');
});
