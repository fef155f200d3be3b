import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ActionStatusEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, waitFor, type App, type SseEvent } from '../../helpers/index.js';
import { addAction, app, controlPlane, deleteAction } from '../fixtures.js';

const WAIT = 15_000;
const FILE = 'test/fixtures/first-module.mjs';
const LINE = lineOf(FILE, 'handler');
const SESSION_READY = '[liveprobe] inspector session open; the app starts';
const FIRST_LINE = 'app: first module runs';

const status = (actionId: string, state: string) => (e: SseEvent) =>
  e.event === 'action_status' && (e.data as ActionStatusEvent).actionId === actionId && (e.data as ActionStatusEvent).state === state;
const output = (message: string) => (e: SseEvent) => e.event === 'output' && (e.data as { message: string }).message === message;

/** The worker's debug line once it compiled the desired-state check with no action yet (worker/worker.ts). */
const CHECK_WARMED = 'desired-state check compiled ahead of the first action';

/** The worker's debug line once it ran its install path on a sample with no action yet (worker/install-path-warmup.ts). */
const INSTALL_PATH_WARMED = 'install path compiled ahead of the first action';

/** The worker's debug line each time it makes the desired-state check's context (worker/broker-link.ts). */
const CHECK_LOADED = 'desired-state check loaded in a new context';
/** The desired-state check's context outlives a burst of desired states by this much (FORGET_AFTER_MS), and a bit. */
const BURST_OVER_MS = 6000;

/**
 * Installs an action, removes it and installs another on the app's first module, each hit once
 * with a request; resolves once the agent has logged the second one installed (its debug
 * status line comes after anything it logged about its session before). `first` is awaited
 * before the first action is added.
 */
async function installRemoveInstall(
  t: TestContext,
  mode: 'startup' | 'on-demand' | undefined,
  first: (service: App) => Promise<unknown> = async () => {},
): Promise<App> {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const service = await app(t, {
    script: FILE,
    broker: cp.mqttUrl,
    env: { LIVEPROBE_LOG_LEVEL: 'debug', ...(mode === undefined ? {} : { LIVEPROBE_INSPECTOR_SESSION: mode }) },
  });
  await first(service);
  for (const [index, template] of ['first served={served}', 'second served={served}'].entries()) {
    const { action } = await addAction(cp, { type: 'log', file: FILE, line: LINE, template, tags: ['e2e'] });
    await events.waitFor(status(action.id, 'installed'), WAIT, `action ${index + 1} installed`);
    const served = await (await fetch(service.url)).text();
    await events.waitFor(output(template.replace('{served}', served)), WAIT, `action ${index + 1}'s line`);
    if (index === 1) {
      await waitFor(() => service.output().includes(`${action.id}: installed`), WAIT, 'the agent to log the second install');
      break;
    }
    await deleteAction(cp, action.id);
    await events.waitFor(status(action.id, 'removed'), WAIT, 'action 1 removed');
  }
  return service;
}

const count = (text: string, part: string): number => text.split(part).length - 1;

test("LIVEPROBE_INSPECTOR_SESSION=startup: the session is open before the app's first module runs, and actions come and go without opening it again", async (t) => {
  const service = await installRemoveInstall(t, 'startup');
  const text = service.output();
  assert.ok(text.includes(SESSION_READY), `the main thread waited for the session:\n${text}`);
  assert.ok(text.indexOf(SESSION_READY) < text.indexOf(FIRST_LINE), `the session opened before the app's first module ran:\n${text}`);
  assert.equal(count(text, 'inspector session open since start-up'), 1, text);
  assert.equal(count(text, 'inspector session opened:'), 0, `no install enabled the debugger again:\n${text}`);
  assert.equal(count(text, 'inspector session closed'), 0, `removing the only action kept the session:\n${text}`);
});

test('with the session open from start-up, the worker compiles the desired-state check before any action, and actions still come and go', async (t) => {
  const warmed = (service: App) => waitFor(() => service.output().includes(CHECK_WARMED), WAIT, 'the check compiled with no action yet');
  const text = (await installRemoveInstall(t, 'startup', warmed)).output();
  assert.equal(count(text, CHECK_WARMED), 1, `compiled ahead once:\n${text}`);
});

test('with the session open from start-up, the worker runs its install path on a sample before any action, once, and actions still come and go', async (t) => {
  const warmed = (service: App) =>
    waitFor(() => service.output().includes(INSTALL_PATH_WARMED), WAIT, 'the install path run with no action yet');
  const text = (await installRemoveInstall(t, 'startup', warmed)).output();
  assert.equal(count(text, INSTALL_PATH_WARMED), 1, `run ahead once, not at each action:\n${text}`);
  assert.ok(!text.includes('could not be run ahead'), text);
});

test('with the session open from start-up, the desired-state check stays loaded: actions after a quiet spell are checked in the context made at start-up', async (t) => {
  const quiet = async (service: App) => {
    await waitFor(() => service.output().includes(CHECK_WARMED), WAIT, 'the check compiled with no action yet');
    await new Promise((resolve) => setTimeout(resolve, BURST_OVER_MS));
  };
  const text = (await installRemoveInstall(t, 'startup', quiet)).output();
  assert.equal(count(text, CHECK_LOADED), 1, `one context, made ahead of the first action:\n${text}`);
  assert.ok(text.indexOf(CHECK_LOADED) < text.indexOf(CHECK_WARMED), text);
});

test('by default the session opens with the first action and closes with the last, so an action that reappears opens it again', async (t) => {
  const service = await installRemoveInstall(t, undefined);
  const text = service.output();
  assert.ok(!text.includes(SESSION_READY), `the app did not wait for a session:\n${text}`);
  assert.equal(count(text, 'inspector session opened:'), 2, text);
  assert.equal(count(text, 'no actions left; inspector session closed'), 1, text);
  assert.ok(!text.includes(INSTALL_PATH_WARMED), `nothing run ahead of the first action on demand:\n${text}`);
});

test('an unknown LIVEPROBE_INSPECTOR_SESSION disables the agent with the accepted values, and the app runs without waiting', async (t) => {
  const cp = await controlPlane(t);
  const service = await app(t, { script: FILE, broker: cp.mqttUrl, env: { LIVEPROBE_INSPECTOR_SESSION: 'early' } });
  await waitFor(() => service.output().includes('the agent is disabled'), WAIT, 'the agent to say why it is disabled');
  assert.match(service.output(), /LIVEPROBE_INSPECTOR_SESSION: "early" is not one of on-demand, startup/);
  assert.equal(await (await fetch(service.url)).text(), '1');
});
