/**
 * A flood (issue 21): with quotas off, a log action on a prepared line of a tight loop runs up to
 * its hit limit in about a second, far faster than OpenTelemetry's batch exporter can send. Every
 * hit must end up either exported or counted as not exported (the live stream's `dropped`
 * notices, by reason). The benchmark counts the records at an OTLP sink and the notices on the
 * control plane's event stream, and waits until together they account for every call — or, when
 * they never do, reports how many hits went missing.
 */
import { fromRoot, lineOf, otlpReceiver, waitFor } from '@liveprobe/harness';
import { errorMessage } from '@liveprobe/protocol/util';
import { agentConnected, startFixtureApp } from './lib/apps.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi } from './lib/control-plane-api.js';
import { ms, sig } from './lib/format.js';
import { fixture } from './lib/paths.js';
import { renderTable } from './lib/table.js';
import { verdictAtMost } from './lib/targets.js';

const HOT = 'bench/fixtures/hot-path.mjs';
const AGENT_ID = 'bench-flood';
/** The action's hit limit, as in the issue: the loop makes exactly as many calls. */
const HITS = 1_000_000;
/** How long the exports and the once-a-second notices may take to account for every hit. */
const ACCOUNT_MS = 60_000;

/**
 * A `dropped` notice's reason, shortened; undefined for the live stream's own (its lines are
 * limited per second, but every one of them still went to OpenTelemetry: not a hit lost).
 */
function shortReason(reason: string): string | undefined {
  if (reason.startsWith('live output')) return undefined;
  if (reason.startsWith('sampled')) return 'sampled';
  if (reason.includes("exporter's queue was full")) return 'export queue full';
  if (reason.includes('export failed')) return 'export failed';
  return reason;
}

const benchmark: Benchmark = {
  name: 'flood',
  title: 'A flood: a log action on a tight loop, quotas off, up to its hit limit; every hit exported or counted',
  async run(ctx): Promise<Report> {
    const cp = await startBenchControlPlane();
    const receiver = await otlpReceiver();
    const api = new ControlPlaneApi(cp.url);
    const app = await startFixtureApp({
      name: 'prepared, quotas off',
      script: fixture('probe-target.mjs'),
      agent: {
        broker: cp.mqttUrl,
        agentId: AGENT_ID,
        otlpEndpoint: receiver.url,
        quotas: 'off',
        env: {
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_METRICS_EXPORTER: 'none',
          LIVEPROBE_PREPARE: fromRoot(HOT),
          LIVEPROBE_PREPARE_CACHE: 'off',
        },
      },
    });
    const events = await api.events();
    try {
      await agentConnected(app);
      const id = await api.addAction({
        type: 'log',
        file: HOT,
        line: lineOf(HOT, 'hot'),
        template: 'order {order.id} total {total}',
        agents: [AGENT_ID],
        maxHits: HITS,
      });
      await api.waitForStatus(id, AGENT_ID, 'installed');
      ctx.progress(`flood: ${HITS.toLocaleString('en-US')} calls in a tight loop`);
      const loop = await app.ipc.request<{ nsPerCall: number; calls: number }>('measure', { loop: 'plain', calls: HITS });
      const exported = () => receiver.logRecords().filter((r) => r.attributes['liveprobe.action.id'] === id).length;
      const notExported = () => {
        const byReason = new Map<string, number>();
        for (const e of events.events()) {
          const reason = e.event === 'dropped' && e.data.actionId === id ? shortReason(String(e.data.reason)) : undefined;
          if (reason !== undefined) byReason.set(reason, (byReason.get(reason) ?? 0) + Number(e.data.count ?? 0));
        }
        return byReason;
      };
      const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
      ctx.progress('flood: waiting for the exports and the dropped notices to account for every call');
      const started = Date.now();
      let accounted = true;
      try {
        await waitFor(() => exported() + total(notExported()) >= loop.calls, ACCOUNT_MS, 'every call exported or counted', 250);
      } catch (err) {
        accounted = false;
        ctx.progress(`flood: ${errorMessage(err)}`);
      }
      const afterMs = Date.now() - started;
      const records = exported();
      const dropped = notExported();
      const missing = loop.calls - records - total(dropped);
      const status = (await api.action(id)).statuses.find((s) => s.agentId === AGENT_ID);
      const reasons = [...dropped].map(([reason, count]) => `${count.toLocaleString('en-US')} ${reason}`).join('; ') || 'none';
      return {
        blocks: [
          `One app, bench/fixtures/hot-path.mjs prepared (LIVEPROBE_PREPARE), quotas off (hits, bytes and CPU budget), the agent exporting OTLP/JSON to a local sink with the SDK's default batch queue; one log action with maxHits ${HITS.toLocaleString('en-US')}, then ${HITS.toLocaleString('en-US')} calls of its line in one synchronous loop. ` +
            `Records are counted at the sink; hits not exported are the \`dropped\` notices on the control plane's event stream, by reason. The count ${accounted ? 'accounted for every call' : 'never accounted for every call'} ${ms(afterMs)} after the loop (waiting at most ${ms(ACCOUNT_MS)}).`,
          renderTable(
            ['calls', 'loop, per call', 'records exported', 'counted as not exported, by reason', 'neither', 'the action ended as'],
            [
              [
                loop.calls.toLocaleString('en-US'),
                `${sig(loop.nsPerCall)} ns`,
                records.toLocaleString('en-US'),
                reasons,
                missing.toLocaleString('en-US'),
                `${status?.state ?? 'no status'}${status?.message === undefined ? '' : `: ${status.message}`}`,
              ],
            ],
            ['right', 'right', 'right', 'left', 'right', 'left'],
          ),
        ],
        targets: [
          {
            target:
              'floods: every hit that is not exported is counted and shown (quotas off, a log on a tight loop to its 1,000,000-hit limit)',
            measured: `${missing.toLocaleString('en-US')} neither exported nor counted, of ${loop.calls.toLocaleString('en-US')}`,
            floor: `what the exporter carried: ${records.toLocaleString('en-US')} records; counted: ${reasons}`,
            met: verdictAtMost([Math.abs(missing)], 0),
          },
        ],
      };
    } finally {
      events.close();
      await app.stop();
      await Promise.all([cp.stop(), receiver.stop()]);
    }
  },
};

export default benchmark;
