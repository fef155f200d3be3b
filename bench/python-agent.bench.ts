/**
 * The Python agent (agent-python/): a Flask service's requests per second without the agent,
 * with the agent idle and with a log action on every request; and what one hit costs against
 * the same log line written by hand (OpenTelemetry Logs API, and stdlib logging). Everything runs
 * against a real control plane; variants are interleaved and ratios taken within a round.
 */
import { Child, fromRoot, lineOf, otlpReceiver, waitFor } from '@liveprobe/harness';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import autocannon from 'autocannon';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi, isStatus } from './lib/control-plane-api.js';
import { duration, range, ratio, sig } from './lib/format.js';
import { max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const VENV = process.env.LIVEPROBE_TEST_PYTHON_VENV ?? fromRoot('.venv-agent-python');
const APP = 'bench/python/flask_app.py';
const HOT = 'bench/python/hot_path.py';
const QUOTAS_OFF = { LIVEPROBE_QUOTA_BYTES_PER_SECOND: '0', LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '0' };
const CONNECTIONS = 10;

/** A Python fixture: one JSON request per line on stdin, one JSON answer per line on stdout, in order. */
class PythonChild {
  readonly #child: Child;

  constructor(name: string, args: string[], env: Record<string, string>) {
    this.#child = new Child(args[0]!, args.slice(1), { name, env: { PYTHONUNBUFFERED: '1', ...env }, input: true });
  }

  get name(): string {
    return this.#child.name;
  }

  line(pattern: RegExp): Promise<RegExpExecArray> {
    return this.#child.waitForMatch(pattern, 60_000, String(pattern));
  }

  async request<T>(body: unknown): Promise<T> {
    const answers = () => this.#child.lines.items().filter((line) => ANSWER.test(line.text));
    const answered = answers().length;
    this.#child.write(`${JSON.stringify(body)}\n`);
    const answer = await waitFor(() => answers()[answered], 60_000, `${this.name} to answer ${JSON.stringify(body)}`, 20);
    return JSON.parse(answer.text) as T;
  }

  stop(): void {
    void this.#child.stop();
  }
}

const ANSWER = /^\{"nsPerCall".*\}$/;

async function load(url: string, seconds: number): Promise<number> {
  const result = await autocannon({ url: `${url}/products/tea`, connections: CONNECTIONS, duration: seconds });
  return result.requests.total / result.duration;
}

const benchmark: Benchmark = {
  name: 'python-agent',
  title: 'Python agent: Flask requests per second, and the cost of a hit against a hand-written log line',
  async run(ctx): Promise<Report> {
    if (!existsSync(`${VENV}/bin/python`)) spawnSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    if (spawnSync(`${VENV}/bin/python`, ['-c', 'import liveprobe_agent, waitress'], { stdio: 'ignore' }).status !== 0) {
      spawnSync(`${VENV}/bin/pip`, ['install', '--quiet', '--editable', `${fromRoot('agent-python')}[test,bench]`], { stdio: 'inherit' });
    }
    const version = spawnSync(`${VENV}/bin/python`, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const rounds = ctx.options.rounds ?? 3;
    const seconds = ctx.options.httpSeconds;
    const cp = await startBenchControlPlane();
    const sink = await otlpReceiver({ decode: false });
    const api = new ControlPlaneApi(cp.url);
    const children: PythonChild[] = [];
    try {
      const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', ...QUOTAS_OFF };
      const agent = (id: string) => ({ LIVEPROBE_BROKER_URL: cp.mqttUrl, LIVEPROBE_AGENT_ID: id, LIVEPROBE_TAGS: id, ...otel });
      const variants = [
        { key: 'none', label: 'no agent', args: [`${VENV}/bin/python`, APP], env: {} },
        { key: 'idle', label: 'agent loaded, no action', args: [`${VENV}/bin/liveprobe-run`, 'python', APP], env: agent('bench-py-idle') },
        {
          key: 'log',
          label: 'log action on every request, quotas off',
          args: [`${VENV}/bin/liveprobe-run`, 'python', APP],
          env: agent('bench-py-log'),
        },
        {
          key: 'log-no-export',
          label: 'the same, OpenTelemetry export off (OTEL_LOGS_EXPORTER=none)',
          args: [`${VENV}/bin/liveprobe-run`, 'python', APP],
          env: { ...agent('bench-py-quiet'), OTEL_LOGS_EXPORTER: 'none' },
        },
      ];
      const urls = new Map<string, string>();
      for (const variant of variants) {
        const child = new PythonChild(`flask ${variant.key}`, variant.args, { PORT: '0', ...variant.env });
        children.push(child);
        urls.set(variant.key, (await child.line(/listening on (http:\/\/\S+)/))[1]!);
      }
      await waitFor(
        async () => (await api.agents()).filter((a) => a.online && a.agentId.startsWith('bench-py-')).length === 3,
        30_000,
        'the three agents online',
      );
      const line = lineOf(APP, 'product-lookup');
      const logId = await api.addAction({
        type: 'log',
        file: APP,
        line,
        template: 'product {sku}: {item}',
        agents: ['bench-py-log', 'bench-py-quiet'],
        maxHits: 1_000_000,
        expiresIn: '1h',
      });
      for (const agentId of ['bench-py-log', 'bench-py-quiet']) await api.waitForStatus(logId, agentId, 'installed');

      const rps = new Map<string, number[]>(variants.map((v) => [v.key, []]));
      for (const variant of variants) await load(urls.get(variant.key)!, 2); // warm-up
      for (let round = 0; round < rounds; round++) {
        const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
        for (const variant of order) {
          ctx.progress(`python-agent: round ${round + 1}/${rounds}, ${variant.label}`);
          rps.get(variant.key)!.push(await load(urls.get(variant.key)!, seconds));
        }
      }
      for (const child of children.splice(0)) child.stop();

      // Two hot-path processes: the agent exporting over OTLP, and the agent with export off.
      const hot = new PythonChild('hot path', [`${VENV}/bin/python`, HOT], agent('bench-py-hot'));
      const quiet = new PythonChild('hot path, no export', [`${VENV}/bin/python`, HOT], {
        ...agent('bench-py-hot-quiet'),
        OTEL_LOGS_EXPORTER: 'none',
      });
      children.push(hot, quiet);
      for (const child of [hot, quiet]) await child.line(/^ready$/);
      await waitFor(
        async () => (await api.agents()).filter((a) => a.online && a.agentId.startsWith('bench-py-hot')).length === 2,
        30_000,
        'the hot-path agents online',
      );
      const ns = new Map<string, number[]>(
        ['plain', 'probed', 'hand-otel', 'hand-logging', 'quiet-plain', 'quiet-probed'].map((k) => [k, []]),
      );
      const measure = async (key: string, child: PythonChild, variant: string) =>
        ns.get(key)!.push((await child.request<{ nsPerCall: number }>({ variant })).nsPerCall);
      const hotLine = lineOf(HOT, 'hot-line');
      const events = await api.events();
      for (let round = 0; round < rounds; round++) {
        ctx.progress(`python-agent: per-hit round ${round + 1}/${rounds}`);
        for (const variant of ['plain', 'hand-otel', 'hand-logging']) await measure(variant, hot, variant);
        await measure('quiet-plain', quiet, 'plain');
        const id = await api.addAction({
          type: 'log',
          file: HOT,
          line: hotLine,
          template: 'order {order_id} total {total}',
          agents: ['bench-py-hot', 'bench-py-hot-quiet'],
          maxHits: 1_000_000,
        });
        for (const agentId of ['bench-py-hot', 'bench-py-hot-quiet']) await api.waitForStatus(id, agentId, 'installed');
        await measure('probed', hot, 'probed');
        await measure('quiet-probed', quiet, 'probed');
        await api.deleteAction(id);
        for (const agentId of ['bench-py-hot', 'bench-py-hot-quiet']) {
          await events.waitFor(isStatus(id, 'removed', agentId), 30_000, `${agentId} to remove ${id}`);
        }
      }
      events.close();

      const none = rps.get('none')!;
      const httpRows = variants.map((v) => {
        const values = rps.get(v.key)!;
        const ratios = values.map((value, i) => value / none[i]!);
        return [
          v.label,
          `${sig(median(values))} (${range(sig(min(values)), sig(max(values)))})`,
          v.key === 'none' ? '—' : `${ratio(median(ratios))} (${range(ratio(min(ratios)), ratio(max(ratios)))})`,
        ];
      });
      const plain = ns.get('plain')!;
      const extra = (key: string) => ns.get(key)!.map((value, i) => value - plain[i]!);
      const hitRows = [
        ['the function, no action', duration(median(plain)), '—'],
        [
          'log action on its line (`order {order_id} total {total}`), quotas off',
          duration(median(ns.get('probed')!)),
          duration(median(extra('probed'))),
        ],
        [
          'the same line by hand, OpenTelemetry Logs API (batching, OTLP export)',
          duration(median(ns.get('hand-otel')!)),
          duration(median(extra('hand-otel'))),
        ],
        [
          'the same line by hand, `logging` to a stream handler',
          duration(median(ns.get('hand-logging')!)),
          duration(median(extra('hand-logging'))),
        ],
        [
          "log action, the agent's OpenTelemetry export off (its own work: format, queue, live output)",
          duration(median(ns.get('quiet-probed')!)),
          duration(median(ns.get('quiet-probed')!.map((value, i) => value - ns.get('quiet-plain')![i]!))),
        ],
      ];
      return {
        blocks: [
          `${version}; agent mechanism: ${version.includes('3.11') ? 'patched code objects' : 'sys.monitoring local events'}. autocannon (library) on loopback, ${CONNECTIONS} connections, GET /products/tea served by waitress (4 threads), ${rounds} rounds × ${seconds} s per variant after a 2 s warm-up each; the order rotates every round; "× no agent" is the median of the per-round ratios. The log action is on \`${APP}:${line}\` (template \`product {sku}: {item}\`), exported over OTLP to a sink.`,
          renderTable(['variant', 'requests/s, median (min–max)', '× no agent, median (min–max)'], httpRows),
          `Per call of a small function in a loop (medians of ${rounds} rounds, each at least 0.3 s of calls); "per hit" is the time over the function without an action, measured in the same round. The agent's hit formats the line and queues it on the app's thread; its own thread exports it when the queue is drained (in the same process, so its CPU time shows here too; the OpenTelemetry SDK's batch exporter encodes in yet another thread, after the loop). The last row is a second process whose agent has OTEL_LOGS_EXPORTER=none.`,
          renderTable(['variant', 'per call', 'per hit (over the bare function)'], hitRows),
        ],
      };
    } finally {
      for (const child of children) child.stop();
      await sink.stop();
      await cp.stop();
    }
  },
};

export default benchmark;
