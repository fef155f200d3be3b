/**
 * The worker's analyses of scripts (agent/src/worker/analysis-cache.ts) serve a burst of
 * installs with one parse each, and are forgotten once the burst is over, so that a placed
 * action keeps no parsed script in the worker's heap (both install paths use it).
 */
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { AnalysisCache } from '../../../agent/src/worker/analysis-cache.js';

test('one analysis per key during a burst of installs; each later install of the burst pushes the forgetting back; after it, analysed again', (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const cache = new AnalysisCache<{ path: string; made: number }>();
  let made = 0;
  const analyse = (path: string) => () => ({ path, made: ++made });
  const first = cache.get('/srv/a.js', analyse('/srv/a.js'));
  mock.timers.tick(4000);
  assert.equal(cache.get('/srv/a.js', analyse('/srv/a.js')), first, 'the same analysis within the burst');
  mock.timers.tick(4000);
  // 8 s after the first install, 4 s after the last: still the burst.
  assert.equal(cache.get('/srv/a.js', analyse('/srv/a.js')), first);
  assert.equal(cache.get('/srv/b.js', analyse('/srv/b.js')).made, 2, 'another file has its own');
  mock.timers.tick(5000);
  const again = cache.get('/srv/a.js', analyse('/srv/a.js'));
  assert.notEqual(again, first, 'forgotten once no install came for 5 s');
  assert.equal(again.made, 3);
});

test('a file that could not be analysed is kept as such during the burst; a failed read is dropped for the next install to retry', (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const cache = new AnalysisCache<string | undefined>();
  let calls = 0;
  assert.equal(
    cache.get('/srv/not-js.txt', () => {
      calls++;
      return undefined;
    }),
    undefined,
  );
  assert.equal(
    cache.get('/srv/not-js.txt', () => {
      calls++;
      return 'parsed';
    }),
    undefined,
    'not parsed again within the burst',
  );
  assert.equal(calls, 1);
  cache.delete('/srv/not-js.txt');
  assert.equal(
    cache.get('/srv/not-js.txt', () => 'parsed'),
    'parsed',
  );
});
