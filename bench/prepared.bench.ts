/**
 * Install path 2, prepared probe sites (docs/architecture.md §4), side by side with the alternatives:
 * - cost per hit of an action on a prepared line vs the same capture written by hand vs a
 *   conditional breakpoint, and the cost of prepared code with every flag off;
 * - requests per second of an Express 4 app with the app and all of node_modules prepared
 *   (flags off, one site on) vs the same app unprepared, and the RSS of each;
 * - CPU-bound work in marked and acorn, prepared in full with flags off, vs the same unprepared;
 * - what preparing costs per MB, cold and from the cache, and acorn vs oxc-parser.
 */
import { fromRoot, lineOf, otlpReceiver, type Child } from '@liveprobe/harness';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { ActionInput } from '@liveprobe/protocol';
import type * as CacheModule from '../agent/dist/prepare/prepare-cache.js';
import type * as PrepareFileModule from '../agent/dist/prepare/prepare-file.js';
import type * as ScopePassModule from '../agent/dist/locate/scope-pass.js';
import { agentConnected, startFixtureApp, startHttpApp } from './lib/apps.js';
import { agentModule } from './lib/agent-module.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi, isStatus } from './lib/control-plane-api.js';
import { duration, mib, ms, ratio, sig } from './lib/format.js';
import { rssOf } from './lib/rss.js';
import { fixture } from './lib/paths.js';
import { median } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const HOT = 'bench/fixtures/hot-path.mjs';
const LIBRARIES = 'bench/fixtures/library-work.mjs';
const EXPRESS = 'bench/fixtures/express-app.cjs';
const CONNECTIONS = 10;

interface Measured {
  nsPerCall: number;
  calls: number;
}

const measure = (app: Child, loop: string, fields: { calls?: number; warmup?: number } = {}) =>
  app.ipc.request<Measured>('measure', { loop, targetMs: 200, warmup: 200_000, ...fields });

async function costPerHit(ctx: Parameters<Benchmark['run']>[0], rounds: number): Promise<string[]> {
  const cp = await startBenchControlPlane();
  const sink = await otlpReceiver({ decode: false });
  const api = new ControlPlaneApi(cp.url);
  const script = fixture('probe-target.mjs');
  const agent = (agentId: string) => ({ broker: cp.mqttUrl, agentId, otlpEndpoint: sink.url, quotas: 'off' as const });
  // Without the agent, with the OpenTelemetry logs SDK the hand-written OTel row logs through.
  const bare = await startFixtureApp({ name: 'no agent', script, env: { BENCH_LOGS_SDK: '1', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } });
  const prepared = await startFixtureApp({
    name: 'prepared',
    script,
    agent: { ...agent('bench-prepared'), env: { LIVEPROBE_PREPARE: fromRoot(HOT), LIVEPROBE_PREPARE_CACHE: 'off' } },
  });
  const breakpoint = await startFixtureApp({ name: 'breakpoint', script, agent: agent('bench-breakpoint') });
  const line = lineOf(HOT, 'hot');
  const samples = new Map<string, number[]>();
  const record = (key: string, ns: number) => samples.set(key, [...(samples.get(key) ?? []), ns]);
  const events = await api.events();
  try {
    await Promise.all([agentConnected(prepared), agentConnected(breakpoint)]);
    for (let round = 1; round <= rounds; round++) {
      ctx.progress(`prepared: cost per hit, round ${round}/${rounds}`);
      record('plain', (await measure(bare, 'plain')).nsPerCall);
      record('hand', (await measure(bare, 'handWritten')).nsPerCall);
      record('hand-otel', (await measure(bare, 'handWrittenOtel')).nsPerCall);
      record('off', (await measure(prepared, 'plain')).nsPerCall);
      // Prepared-site rows warm up as long as they measure: the hook's code is only optimised once an action runs.
      for (const [key, app, agentId, calls, warmup] of [
        ['site', prepared, 'bench-prepared', 100_000, 100_000],
        ['breakpoint', breakpoint, 'bench-breakpoint', 2000, 2000],
      ] as const) {
        for (const type of ['quiet', 'log', 'counter'] as const) {
          const action: ActionInput =
            type === 'counter'
              ? { type, file: HOT, line, name: 'bench.prepared.calls', agents: [agentId] }
              : {
                  type: 'log',
                  file: HOT,
                  line,
                  template: 'order {order.id} total {total}',
                  agents: [agentId],
                  maxHits: 1_000_000,
                  ...(type === 'quiet' ? { condition: 'total < 0' } : {}),
                };
          const id = await api.addAction(action);
          await api.waitForStatus(id, agentId, 'installed');
          record(`${key}-${type}`, (await measure(app, 'plain', { calls, warmup })).nsPerCall);
          await api.deleteAction(id);
          await events.waitFor(isStatus(id, 'removed'), 30_000, `the agent to remove ${id}`);
        }
      }
    }
  } finally {
    events.close();
    await Promise.all([bare.stop(), prepared.stop(), breakpoint.stop()]);
    await Promise.all([cp.stop(), sink.stop()]);
  }
  // Ratios are taken within a round (each round measures the floor beside the rows), then the median over rounds.
  const perRound = (key: string, floor: string) => median(samples.get(key)!.map((ns, round) => ns / samples.get(floor)![round]!));
  const rows: [string, string][] = [
    ['plain', 'plain function call, no agent'],
    ['hand', 'the log line written by hand (template formatted into a ring buffer), no agent'],
    ['hand-otel', 'the log line written by hand through the OpenTelemetry Logs API (SDK, batch processor, OTLP export), no agent'],
    ['off', 'prepared function (twin guard), agent loaded, no action'],
    ['site-quiet', 'log action on a prepared site whose condition is false (flag, scope object, hook, condition)'],
    ['site-log', 'log action on a prepared site (flag on), quotas off'],
    ['site-counter', 'counter action on a prepared site, quotas off'],
    ['breakpoint-quiet', 'log action on a conditional breakpoint whose condition is false'],
    ['breakpoint-log', 'log action on a conditional breakpoint, quotas off'],
    ['breakpoint-counter', 'counter action on a conditional breakpoint, quotas off'],
  ];
  return [
    `Cost per hit: ${rounds} rounds, medians (ratios taken within each round, then their median); hand-written and plain rows fill 200 ms; prepared-site rows 100,000 calls after as many to warm up, breakpoint rows 2,000 after 2,000. ` +
      'Every hit of a log action formats the line and hands it to the worker, which emits the OTel log record; a counter adds one to a count the worker records every 100 ms. ' +
      "The OTel Logs API row and the agent's worker both use the SDK's batch processor with its defaults (which drop records beyond a queue of 2,048).",
    renderTable(
      ['mechanism', 'per call', '× hand-written (ring buffer)', '× hand-written (OTel Logs API)'],
      rows.map(([key, label]) => [
        label,
        duration(median(samples.get(key)!)),
        ratio(perRound(key, 'hand')),
        ratio(perRound(key, 'hand-otel')),
      ]),
      ['left', 'right', 'right', 'right'],
    ),
  ];
}

/**
 * Two apps side by side, one unprepared and one with the app and all of node_modules prepared.
 * The actions go on and off in the prepared app between runs, so "one site on" is measured in
 * the same process as "flags off": process-to-process noise on this machine is several percent.
 */
async function httpThroughput(ctx: Parameters<Benchmark['run']>[0], rounds: number, seconds: number): Promise<string[]> {
  const cp = await startBenchControlPlane();
  const sink = await otlpReceiver({ decode: false });
  const api = new ControlPlaneApi(cp.url);
  const events = await api.events();
  const prepare = { LIVEPROBE_PREPARE: `${fromRoot(EXPRESS)},${fromRoot('node_modules')}/**`, LIVEPROBE_PREPARE_CACHE: 'off' };
  const line = lineOf(EXPRESS, 'express-product');
  const variants: { key: string; label: string; app: 'original' | 'prepared'; action?: ActionInput }[] = [
    { key: 'original', label: 'agent loaded, nothing prepared', app: 'original' },
    { key: 'off', label: 'app + node_modules prepared, flags off', app: 'prepared' },
    {
      key: 'site',
      label: 'the same app, one counter action on the request path (quotas off)',
      app: 'prepared',
      action: { type: 'counter', file: EXPRESS, line, name: 'bench.express.products', agents: ['bench-express-prepared'] },
    },
    {
      key: 'log',
      label: 'the same app, one log action on the request path (quotas off), every line exported over OTLP',
      app: 'prepared',
      action: {
        type: 'log',
        file: EXPRESS,
        line,
        template: 'product {req.params.sku}',
        agents: ['bench-express-prepared'],
        maxHits: 1_000_000,
      },
    },
  ];
  const apps = new Map<'original' | 'prepared', { app: Child; url: string }>();
  const rps = new Map<string, number[]>(variants.map((v) => [v.key, []]));
  const ratios = new Map<string, number[]>(variants.map((v) => [v.key, []]));
  const onOff = new Map<string, number[]>(variants.map((v) => [v.key, []]));
  const rss = new Map<string, number>();
  let preparedLine = '';
  const load = async (url: string, s: number) => {
    const result = await autocannon({ url: `${url}/products/tea`, connections: CONNECTIONS, duration: s });
    return result.requests.total / result.duration;
  };
  try {
    for (const [key, env] of [
      ['original', {}],
      ['prepared', prepare],
    ] as const) {
      const started = await startHttpApp({
        name: `express (${key})`,
        script: fromRoot(EXPRESS),
        agent: { broker: cp.mqttUrl, agentId: `bench-express-${key}`, otlpEndpoint: sink.url, quotas: 'off', env },
      });
      await agentConnected(started.app);
      apps.set(key, started);
    }
    for (const app of apps.values()) await load(app.url, 2);
    for (let round = 0; round < rounds; round++) {
      ctx.progress(`prepared: express, round ${round + 1}/${rounds}`);
      const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
      const results = new Map<string, number>();
      for (const v of order) {
        const id = v.action === undefined ? undefined : await api.addAction(v.action);
        if (id !== undefined) await api.waitForStatus(id, 'bench-express-prepared', 'installed');
        results.set(v.key, await load(apps.get(v.app)!.url, seconds));
        if (id === undefined) continue;
        await api.deleteAction(id);
        await events.waitFor(isStatus(id, 'removed'), 30_000, `the agent to remove ${id}`);
      }
      for (const v of variants) {
        rps.get(v.key)!.push(results.get(v.key)!);
        ratios.get(v.key)!.push(results.get(v.key)! / results.get('original')!);
        onOff.get(v.key)!.push(results.get(v.key)! / results.get('off')!);
      }
    }
    for (const [key, app] of apps) rss.set(key, (await rssOf(app.app.pid)) ?? 0);
    preparedLine =
      apps
        .get('prepared')!
        .app.output()
        .split('\n')
        .find((l) => /\] prepared \d+ files/.test(l)) ?? '';
  } finally {
    events.close();
    await Promise.all([...apps.values()].map((a) => a.app.stop()));
    await Promise.all([cp.stop(), sink.stop()]);
  }
  return [
    `Express 4, GET /products/tea, autocannon ${CONNECTIONS} connections, ${rounds} rounds × ${seconds} s per variant after a 2 s warm-up, order rotating; ratios are medians of per-round ratios. ` +
      `The action rows run in the prepared app, the action added before the run and removed after it. Start-up report of the prepared app: \`${preparedLine.replace(/^\[liveprobe\] /, '')}\`.`,
    renderTable(
      ['express app', 'req/s (median)', '× original', '× prepared, flags off', 'RSS after the runs'],
      variants.map((v) => [
        v.label,
        sig(median(rps.get(v.key)!)),
        v.key === 'original' ? '×1' : ratio(median(ratios.get(v.key)!)),
        v.app === 'original' ? '' : v.key === 'off' ? '×1' : ratio(median(onOff.get(v.key)!)),
        v.key === 'original' || v.key === 'off' ? mib(rss.get(v.app)!) : '',
      ]),
      ['left', 'right', 'right', 'right', 'right'],
    ),
  ];
}

/** marked and acorn prepared in full (flags off) against the same libraries unprepared, in two apps side by side. */
async function libraryWork(ctx: Parameters<Benchmark['run']>[0], rounds: number): Promise<string[]> {
  const cp = await startBenchControlPlane();
  const sink = await otlpReceiver({ decode: false });
  const agent = (agentId: string, env: Record<string, string>) => ({
    broker: cp.mqttUrl,
    agentId,
    otlpEndpoint: sink.url,
    quotas: 'default' as const,
    env,
  });
  const script = fromRoot(LIBRARIES);
  const started = await Promise.allSettled([
    startFixtureApp({ name: 'libraries, original', script, agent: agent('bench-lib-original', {}) }),
    startFixtureApp({
      name: 'libraries, prepared',
      script,
      agent: agent('bench-lib-prepared', {
        LIVEPROBE_PREPARE: `${fromRoot('node_modules/marked')}/**,${fromRoot('node_modules/acorn')}/**`,
        LIVEPROBE_PREPARE_CACHE: 'off',
      }),
    }),
  ]);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    await Promise.all([cp.stop(), sink.stop()]);
    throw failed.reason;
  }
  const [original, prepared] = started.map((s) => (s as PromiseFulfilledResult<Child>).value) as [Child, Child];
  const work = [
    { key: 'marked', label: 'marked 12: README and docs/*.md rendered to HTML' },
    { key: 'acorn', label: 'acorn 8: parse acorn.js (241 KB)' },
  ];
  const times = new Map<string, { original: number[]; prepared: number[]; ratio: number[] }>(
    work.map((w) => [w.key, { original: [], prepared: [], ratio: [] }]),
  );
  try {
    await Promise.all([agentConnected(original), agentConnected(prepared)]);
    for (let round = 1; round <= rounds; round++) {
      ctx.progress(`prepared: library work, round ${round}/${rounds}`);
      for (const w of work) {
        const apps = round % 2 === 0 ? [prepared, original] : [original, prepared];
        const measured = new Map<Child, number>();
        for (const app of apps) measured.set(app, (await measure(app, w.key, { calls: 40, warmup: 5 })).nsPerCall);
        const t = times.get(w.key)!;
        t.original.push(measured.get(original)!);
        t.prepared.push(measured.get(prepared)!);
        t.ratio.push(measured.get(prepared)! / measured.get(original)!);
      }
    }
  } finally {
    await Promise.all([original.stop(), prepared.stop()]);
    await Promise.all([cp.stop(), sink.stop()]);
  }
  return [
    `CPU-bound library work: ${rounds} rounds, each run 40 calls after 5 warm-up calls, the order alternating; both apps load the agent, one prepares marked and acorn in full (every file of both packages, flags off). "× original" is the median of per-round ratios (above 1 is slower).`,
    renderTable(
      ['work', 'original, per call', 'prepared, per call', '× original'],
      work.map((w) => {
        const t = times.get(w.key)!;
        return [w.label, duration(median(t.original)), duration(median(t.prepared)), ratio(median(t.ratio))];
      }),
      ['left', 'right', 'right', 'right'],
    ),
  ];
}

function jsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) jsFiles(path, out);
    else if (entry.name.endsWith('.js') && statSync(path).size > 0) out.push(path);
  }
  return out;
}

async function prepareCost(): Promise<string[]> {
  const { PrepareCache } = await agentModule<typeof CacheModule>('prepare/prepare-cache.js');
  const { prepareFile } = await agentModule<typeof PrepareFileModule>('prepare/prepare-file.js');
  const corpora = [
    { label: 'marked 12 (lib/marked.cjs)', files: [fromRoot('node_modules/marked/lib/marked.cjs')], kind: 'commonjs' as const },
    { label: 'acorn 8 (dist/acorn.js)', files: [fromRoot('node_modules/acorn/dist/acorn.js')], kind: 'commonjs' as const },
    { label: 'express 4 (lib/**)', files: jsFiles(fromRoot('node_modules/express/lib')), kind: 'commonjs' as const },
  ];
  const rows: string[][] = [];
  const parseRows: string[][] = [];
  const { parse } = await import('acorn');
  const { analyseScopes } = await agentModule<typeof ScopePassModule>('locate/scope-pass.js');
  let oxc: { parseSync(file: string, source: string): { program: unknown } } | undefined;
  try {
    oxc = (await import('oxc-parser' as string)) as { parseSync(file: string, source: string): { program: unknown } };
  } catch {
    oxc = undefined;
  }
  for (const corpus of corpora) {
    const sources = corpus.files.map((f) => readFileSync(f, 'utf8'));
    const bytes = sources.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
    const mb = bytes / 1048576;
    const dir = mkdtempSync(join(tmpdir(), 'liveprobe-bench-cache-'));
    try {
      const cache = new PrepareCache(dir, 'bench');
      const time = (fn: () => void) => {
        const started = performance.now();
        fn();
        return performance.now() - started;
      };
      const cold = time(() => sources.forEach((s) => prepareFile(s, corpus.kind, 'const $lp = 0;', cache)));
      const warm = time(() => sources.forEach((s) => prepareFile(s, corpus.kind, 'const $lp = 0;', cache)));
      const outBytes = sources.reduce((sum, s) => {
        const o = prepareFile(s, corpus.kind, 'const $lp = 0;', cache);
        return sum + (o.kind === 'failed' ? 0 : Buffer.byteLength(o.output.code));
      }, 0);
      rows.push([corpus.label, `${(bytes / 1024).toFixed(0)} KB`, ms(cold / mb), ms(warm / mb), `×${(outBytes / bytes).toFixed(2)}`]);
      // Parsers: the best of three passes, so JIT warm-up does not favour whichever runs last.
      const best = (fn: () => void) => Math.min(time(fn), time(fn), time(fn));
      const acornMs = best(() =>
        sources.forEach((s) =>
          parse(s, { ecmaVersion: 'latest', sourceType: 'script', ranges: true, allowHashBang: true, allowReturnOutsideFunction: true }),
        ),
      );
      const scopeMs = best(() =>
        sources.forEach((s) =>
          analyseScopes(
            parse(s, { ecmaVersion: 'latest', sourceType: 'script', ranges: true, allowReturnOutsideFunction: true }) as never,
            'commonjs',
          ),
        ),
      );
      const oxcMs = oxc === undefined ? undefined : best(() => sources.forEach((s, i) => oxc!.parseSync(corpus.files[i]!, s).program));
      parseRows.push([corpus.label, ms(acornMs / mb), ms(scopeMs / mb), oxcMs === undefined ? 'not installed' : ms(oxcMs / mb)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return [
    'Prepare cost, in this process (one warm-up-free pass each, as at a cold start): cold = parse + scope analysis + rewrite + write to the cache; from cache = hash + read.',
    renderTable(['library', 'size', 'cold, per MB', 'from cache, per MB', 'output size'], rows, [
      'left',
      'right',
      'right',
      'right',
      'right',
    ]),
    'Parsers, per MB, best of three passes (the transform needs ESTree with ranges and scope analysis; oxc-parser returns ESTree from native code, built in JS when its program is read, and still needs the scope pass, agent/src/locate/scope-pass.ts):',
    renderTable(['library', 'acorn parse', 'acorn + scope pass', 'oxc-parser parseSync, AST read'], parseRows, [
      'left',
      'right',
      'right',
      'right',
    ]),
  ];
}

const benchmark: Benchmark = {
  name: 'prepared',
  title: 'Prepared probe sites: cost per hit, HTTP throughput and prepare cost',
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 3;
    const blocks: string[] = [];
    blocks.push(...(await prepareCost()));
    blocks.push(...(await costPerHit(ctx, rounds)));
    blocks.push(...(await libraryWork(ctx, rounds)));
    blocks.push(...(await httpThroughput(ctx, rounds, ctx.options.httpSeconds)));
    return { blocks };
  },
};

export default benchmark;
