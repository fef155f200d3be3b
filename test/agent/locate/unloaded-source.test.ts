/**
 * An app whose routes load on first use, as Nitro (Nuxt) loads a route's chunk on the route's
 * first request: an action on a route not requested yet waits for it without offering another
 * route that did load (it used to say "did you mean register.post.ts?" for login.post.ts), and
 * installs and logs once the route's chunk loads. A file that is nowhere still gets suggestions.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { build } from 'esbuild';
import type { OutputEvent } from '@liveprobe/protocol';
import { tempDir } from '@liveprobe/harness';
import { sseEvents, type SseEvent, type SseStream } from '../../helpers/index.js';
import { addAction, app, controlPlane } from '../fixtures.js';

const WAIT = 20_000;
const ROUTE = (name: string) => `export function handle(user: string): string {
  const answer: string = \`${name} \${user}\`;
  return answer;
}
`;
const ANSWER_LINE = 3;

/** Two route modules built into chunks with linked maps; `register` loads at start, `login` on its first request. */
async function lazyRoutes(t: TestContext): Promise<string> {
  const dir = await tempDir('liveprobe-lazy-routes-');
  t.after(() => dir.remove());
  await mkdir(join(dir.path, 'server', 'api', 'auth'), { recursive: true });
  for (const name of ['login', 'register']) {
    const source = join(dir.path, 'server', 'api', 'auth', `${name}.post.ts`);
    await writeFile(source, ROUTE(name));
    await build({
      entryPoints: [source],
      format: 'esm',
      platform: 'node',
      sourcemap: 'linked',
      outfile: join(dir.path, '.output', 'chunks', `${name}.post.mjs`),
      logLevel: 'silent',
    });
  }
  const main = join(dir.path, '.output', 'index.mjs');
  await writeFile(
    main,
    [
      "import { createServer } from 'node:http';",
      "import * as register from './chunks/register.post.mjs';",
      'let login;',
      'const server = createServer(async (req, res) => {',
      "  if (req.url.startsWith('/login')) { login ??= await import('./chunks/login.post.mjs'); res.end(login.handle('ada')); }",
      "  else res.end(register.handle('ada'));",
      '});',
      "server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));",
      '',
    ].join('\n'),
  );
  return main;
}

type StatusData = { actionId: string; state: string; message?: string };
const statusOf = (events: SseStream, actionId: string, state: string): Promise<SseEvent> =>
  events.waitFor(
    (e) => e.event === 'action_status' && (e.data as StatusData).actionId === actionId && (e.data as StatusData).state === state,
    WAIT,
    `${actionId} ${state}`,
  );

test('an action on a route whose chunk is not loaded yet waits without suggesting another route, and logs once the route is requested', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const service = await app(t, { script: await lazyRoutes(t), broker: cp.mqttUrl });
  assert.equal(await (await fetch(`${service.url}/register`)).text(), 'register ada');

  const { action } = await addAction(cp, {
    type: 'log',
    file: 'server/api/auth/login.post.ts',
    line: ANSWER_LINE,
    template: 'login answers {answer}',
    tags: ['e2e'],
  });
  const waiting = (await statusOf(events, action.id, 'pending')).data as StatusData;
  assert.doesNotMatch(waiting.message ?? '', /did you mean|register/, 'no other route is offered for one not loaded yet');
  assert.match(waiting.message ?? '', /server\/api\/auth\/login\.post\.ts is on disk but no script loaded so far holds it/);

  assert.equal(await (await fetch(`${service.url}/login`)).text(), 'login ada');
  await statusOf(events, action.id, 'installed');
  assert.equal(await (await fetch(`${service.url}/login`)).text(), 'login ada');
  const output = await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).actionId === action.id, WAIT, 'the log line');
  assert.equal((output.data as OutputEvent).message, 'login answers login ada');

  // A name that is nowhere on disk still gets the loaded files near it.
  const typo = await addAction(cp, { type: 'log', file: 'server/api/auth/registr.post.ts', line: 2, template: 'x', tags: ['e2e'] });
  const suggested = (await statusOf(events, typo.action.id, 'pending')).data as StatusData;
  assert.match(suggested.message ?? '', /did you mean \S*server\/api\/auth\/register\.post\.ts/);
});
