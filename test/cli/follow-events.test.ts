// The reconnecting event follower that `liveprobe tail`, `liveprobe dap` and the editor plugin
// share, against a real control plane that goes away and comes back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiClient } from '../../cli/src/api/client.js';
import { followEvents } from '../../cli/src/api/follow-events.js';
import { ApiError, ControlPlaneUnreachableError } from '../../cli/src/errors.js';
import { startControlPlane, waitFor } from '../helpers/index.js';
import { ObservedList } from '@liveprobe/harness';

const WAIT = 20_000;

test('a lost control plane is retried with a growing delay, and following resumes when it is back', async (t) => {
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  const seen = new ObservedList<{ what: 'connected' | 'again' | 'lost'; retryMs?: number; reason?: string }>();
  const stop = new AbortController();
  t.after(() => stop.abort());
  const following = followEvents(
    new ApiClient(cp.url),
    {
      onEvent: () => undefined,
      onConnected: (again) => seen.push({ what: again ? 'again' : 'connected' }),
      onLost: (reason, retryMs) => seen.push({ what: 'lost', reason, retryMs }),
    },
    stop.signal,
  );
  await seen.waitFor((e) => e.what === 'connected', WAIT, 'the first connection');

  // Stopped, then started again on the same port, as an operator restarts it: kept down until
  // the follower has failed twice, so there is a second delay to compare.
  const losses = () => seen.items().filter((e) => e.what === 'lost').length;
  await cp.restart(() => waitFor(() => losses() >= 2, WAIT, 'two failed attempts while the control plane is down'));
  await seen.waitFor((e) => e.what === 'again', WAIT, 'the stream open again');
  const lost = seen.items().filter((e) => e.what === 'lost');
  assert.deepEqual(
    lost.slice(0, 2).map((e) => e.retryMs),
    [500, 1000],
    'the delay doubles',
  );
  assert.ok(
    lost.slice(1).some((e) => e.reason === 'ECONNREFUSED'),
    JSON.stringify(lost),
  );
  stop.abort();
  await following;
});

test('a command line fails at once when the first connection fails, and an editor gives up on a refused token', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const never = new AbortController();
  await assert.rejects(
    followEvents(new ApiClient('http://127.0.0.1:9'), { onEvent: () => undefined }, never.signal, { failFirst: true }),
    ControlPlaneUnreachableError,
  );
  await assert.rejects(
    followEvents(new ApiClient(cp.url, 'lpt_revoked'), { onEvent: () => undefined }, never.signal, { failOnApiError: true }),
    (err: unknown) => err instanceof ApiError && err.status === 401,
  );
});
