// While the broker cannot be reached, the app's stderr and logging get one line from the agent,
// in its own words and without the password, not paho's error every second (paho's logger
// propagates to the app's root logger, or to Python's last-resort handler on stderr).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { waitFor } from '../helpers/index.js';
import { startPythonApp } from './python-app.js';

/** A port nothing listens on: taken from the kernel, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a broker out of reach is said once by the agent, and paho says nothing in the app', async (t) => {
  const port = await closedPort();
  const app = await startPythonApp(t, {
    script: 'plain_server.py',
    launcher: 'start()',
    broker: `mqtt://agents:hunter2secret@127.0.0.1:${port}`,
    tags: ['away'],
    agentId: 'away-1',
  });
  const said = `[liveprobe] cannot reach the broker mqtt://agents:***@127.0.0.1:${port}; retrying every second`;
  await waitFor(() => app.output().includes(said), 20_000, 'the agent to say the broker is out of reach');
  assert.equal(await (await fetch(`${app.url}/greet?name=ann`)).json(), 'hello ann');
  // paho retries every second; its error would show within a few retries.
  await assert.rejects(
    waitFor(() => /Client is not connected|paho/.test(app.output()), 4_000, "paho's error"),
    /timed out/,
  );
  assert.equal(app.output().split(said).length - 1, 1, app.output());
  assert.doesNotMatch(app.output(), /hunter2secret/);
});
