/**
 * Actions on lines of a bundle's TypeScript that hold no code of their own (a blank line, a
 * comment, a type, a decorator, a closing brace, an import, a line inside a multi-line expression)
 * on each path: a breakpoint, a site prepared as the bundle loads, a site `liveprobe prepare`
 * wrote. The bundle is esbuild's CommonJS output with a linked map, as tsup writes it. Every path
 * must report the same line for an action (status, log record, snapshot span, metric point) and
 * run it at the same place (what it reads there).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { build } from 'esbuild';
import type { ActionInput } from '@liveprobe/protocol';
import { fromRoot } from '@liveprobe/harness';
import { cli, lineOf, otlpReceiver, startApp, tempDir, waitFor } from '../helpers/index.js';
import { addAction, controlPlane, getAction } from './fixtures.js';

const WAIT = 20_000;
const SOURCES = 'test/fixtures/code-less-lines/src';
const TALLY = `${SOURCES}/tally.ts`;

/**
 * Each code-less line, the line its actions report (where the next statement starts, or, inside a
 * statement under way, where V8 next stops in it) and, for the latter, where that statement starts.
 */
const LINES: Record<string, { line: number; reported?: number; statement?: number }> = {
  blank: { line: lineOf(TALLY, 'blank-next') + 1, reported: lineOf(TALLY, 'pattern-start') },
  comment: { line: lineOf(TALLY, 'comment'), reported: lineOf(TALLY, 'kept') },
  'type-only': { line: lineOf(TALLY, 'type-only'), reported: lineOf(TALLY, 'kept') },
  'closing brace': { line: lineOf(TALLY, 'closing-brace'), reported: lineOf(TALLY, 'total-start') },
  'inside a pattern': {
    line: lineOf(TALLY, 'inside-pattern'),
    reported: lineOf(TALLY, 'pattern-end'),
    statement: lineOf(TALLY, 'pattern-start'),
  },
  'inside an array': { line: lineOf(TALLY, 'inside-array'), reported: lineOf(TALLY, 'total-end'), statement: lineOf(TALLY, 'total-start') },
  import: { line: lineOf(TALLY, 'import'), reported: lineOf(TALLY, 'tallied') },
  // Its code is an argument of the bundle's `__decorateClass(…)` after the class, in which V8
  // stops nowhere after it: its next stop is server.ts's.
  decorator: { line: lineOf(TALLY, 'decorator') },
};
const SERVER = `${SOURCES}/server.ts`;
const DECORATOR_ERROR = `error: line ${LINES.decorator!.line} of ${fromRoot(TALLY)} has no code V8 can stop at in that file: it would stop next at line ${lineOf(SERVER, 'after-tally')} of ${fromRoot(SERVER)} (a decorator's or a bundler's code at the end of the file runs once, as it loads); put the action on a line inside a function`;
const TOP_LEVEL =
  'is top-level code of its file, which runs once, as the file loads: the action will not hit it again once the file has loaded; put it on a line inside a function';
/** `console`: a log the app's thread prints (its records carry the line it was armed with), the others the agent's thread sends. */
const KINDS = ['log', 'console', 'snapshot', 'counter', 'metric'] as const;
type Kind = (typeof KINDS)[number];

async function bundle(dir: string): Promise<string> {
  const out = join(dir, 'server.cjs');
  await build({
    entryPoints: [fromRoot(`${SOURCES}/server.ts`)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    sourcemap: true,
    outfile: out,
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true } },
  });
  return out;
}

function actionFor(kind: Kind, name: string, line: number): ActionInput {
  const at = { file: TALLY, line, tags: ['e2e'] };
  const metric = `code_less.${name.replaceAll(' ', '_').replace('-', '_')}`;
  if (kind === 'log') return { ...at, type: 'log', template: 'tallied={tallied}' };
  if (kind === 'console') return { ...at, type: 'log', template: 'tallied={tallied}', outputs: ['console'] };
  if (kind === 'snapshot') return { ...at, type: 'snapshot' };
  if (kind === 'counter') return { ...at, type: 'counter', name: `${metric}.hits` };
  return { ...at, type: 'metric', name: `${metric}.tallied`, expression: 'tallied' };
}

/** What one action reported: its status's line, and the line (and the value read) on what it emitted. */
interface Seen {
  /** The line, or the error. */
  status: number | string | undefined;
  /** Where the status says the action went, when not on the line asked for. */
  moved?: string;
  emitted?: number;
  read?: string;
}

/** Every action on every code-less line, on one path; `tally(3)` runs once. */
async function observe(t: TestContext, path: 'breakpoint' | 'loaded' | 'built'): Promise<Record<string, Seen>> {
  const dir = await tempDir('liveprobe-code-less-');
  t.after(() => dir.remove());
  const script = await bundle(dir.path);
  if (path === 'built') {
    const prepared = await cli(['prepare', dir.path], { server: 'http://127.0.0.1:9' });
    assert.equal(prepared.code, 0, prepared.stderr);
  }
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const env = { ...otlp.env('http/protobuf'), ...(path === 'loaded' ? { LIVEPROBE_PREPARE: script, LIVEPROBE_PREPARE_CACHE: 'off' } : {}) };
  const service = await startApp({ script, broker: cp.mqttUrl, tags: ['e2e'], module: 'cjs', env });
  t.after(() => service.stop());
  const ids = new Map<string, string>();
  for (const [name, { line }] of Object.entries(LINES))
    for (const kind of KINDS) ids.set(`${name} ${kind}`, (await addAction(cp, actionFor(kind, name, line))).action.id);
  const statuses = new Map<string, { line: number | undefined; message: string }>();
  await waitFor(
    async () => {
      for (const [key, id] of ids) {
        if (statuses.has(key)) continue;
        const status = (await getAction(cp, id)).statuses.find((s) => s.state === 'installed' || s.state === 'error');
        if (status !== undefined) statuses.set(key, { line: status.location?.line, message: `${status.state}: ${status.message}` });
      }
      return statuses.size === ids.size;
    },
    WAIT,
    'every action installed',
  );
  const onPath = path === 'breakpoint' ? /^installed: breakpoint/ : /^installed: prepared site/;
  // The prepared paths serve the lines whose next statement has a site; the rest stay on breakpoints.
  assert.ok(
    [...statuses.values()].some((s) => onPath.test(s.message)),
    [...statuses].map(([k, s]) => `${k}: ${s.message}`).join('\n'),
  );
  assert.equal(await (await fetch(`${service.url}/?n=3`)).text(), '6');
  const seen: Record<string, Seen> = {};
  for (const [key, status] of statuses) {
    const asked = LINES[key.slice(0, key.lastIndexOf(' '))]!.line;
    // After how it was installed (a breakpoint on a prepared file also says it is at the line's two copies).
    const moved = new RegExp(`; (line ${asked}(?: has no code|'s code is inside).*)$`).exec(status.message)?.[1];
    seen[key] = status.message.startsWith('installed: ')
      ? { status: status.line, ...(moved === undefined ? {} : { moved }) }
      : { status: status.message };
  }
  // The import and the decorator go to top-level code, which ran as the file loaded: no hit.
  const hit = Object.keys(LINES).filter((name) => name !== 'import' && name !== 'decorator');
  for (const name of hit) {
    const id = (kind: Kind) => ids.get(`${name} ${kind}`)!;
    const record = await otlp.waitForLog((r) => r.attributes['liveprobe.action.id'] === id('log'), WAIT, `the log on the ${name} line`);
    seen[`${name} log`] = { ...seen[`${name} log`]!, emitted: Number(record.attributes['code.line.number']), read: String(record.body) };
    const printed = new RegExp(`\\[liveprobe ${id('console')}\\] \\S+:(\\d+) (.*)`);
    await waitFor(() => printed.test(service.output()), WAIT, `the console line on the ${name} line`);
    const [, line, text] = printed.exec(service.output())!;
    seen[`${name} console`] = { ...seen[`${name} console`]!, emitted: Number(line), read: text };
    const span = await otlp.waitForSpan(
      (s) => s.attributes['liveprobe.action.id'] === id('snapshot'),
      WAIT,
      `the snapshot on the ${name} line`,
    );
    seen[`${name} snapshot`] = { ...seen[`${name} snapshot`]!, emitted: Number(span.attributes['code.line.number']) };
    for (const kind of ['counter', 'metric'] as const) {
      const point = await otlp.waitForMetric(
        (p) => p.attributes['liveprobe.action.id'] === id(kind),
        WAIT,
        `the ${kind} on the ${name} line`,
      );
      seen[`${name} ${kind}`] = {
        ...seen[`${name} ${kind}`]!,
        emitted: Number(point.attributes['code.line.number']),
        ...(kind === 'metric' ? { read: `tallied=${point.sum ?? point.value}` } : {}),
      };
    }
  }
  return seen;
}

/** What every path must report: each action at its line's reported line, reading `tallied` before or after the `if` adds 3 to it. */
function expected(): Record<string, Seen> {
  const after = new Set(['closing brace', 'inside an array']);
  const all: Record<string, Seen> = {};
  for (const [name, { line, reported, statement }] of Object.entries(LINES)) {
    const ran = name !== 'import' && name !== 'decorator';
    const read = `tallied=${after.has(name) ? 3 : 0}`;
    const moved =
      statement === undefined
        ? `line ${line} has no code; installed at line ${reported}, the next line with code${ran ? '' : `; line ${reported} ${TOP_LEVEL}`}`
        : `line ${line}'s code is inside an expression V8 cannot stop in part-way; installed at line ${reported}, where V8 next stops in it: to read values before that statement runs, put the action on line ${statement}, where that statement starts`;
    for (const kind of KINDS)
      all[`${name} ${kind}`] = {
        status: reported ?? DECORATOR_ERROR,
        ...(reported === undefined ? {} : { moved }),
        ...(ran ? { emitted: reported } : {}),
        ...(ran && (kind === 'log' || kind === 'console' || kind === 'metric') ? { read } : {}),
      };
  }
  return all;
}

for (const [path, what] of [
  ['breakpoint', 'on breakpoints'],
  ['loaded', 'prepared as the bundle loads (LIVEPROBE_PREPARE)'],
  ['built', 'prepared by `liveprobe prepare`'],
] as const)
  test(`actions on lines with no code in an esbuild bundle's TypeScript, ${what}: each reports the line where it runs, the same on every path`, async (t) => {
    assert.deepEqual(await observe(t, path), expected());
  });
