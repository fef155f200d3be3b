/**
 * How long a snapshot holds the app's main thread: the `stallMs` the agent measures around
 * each capture (inside the breakpoint condition, no pause) and reports with the snapshot, for a
 * small frame and a large one, captured alternately. Beside it, the whole cost of a hit as the
 * app sees it (V8's breakpoint and condition, the capture, the hand-off to the worker).
 */
import { lineOf, otlpReceiver, waitFor } from '@liveprobe/harness';
import type { ActionInput, SnapshotNotice } from '@liveprobe/protocol';
import { agentConnected, startFixtureApp } from './lib/apps.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi } from './lib/control-plane-api.js';
import { duration, ms } from './lib/format.js';
import { fixture } from './lib/paths.js';
import { max, median, percentile } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const AGENT_ID = 'bench-snapshot-stall';
const CALLS_PER_ROUND = 50;

interface Frame {
  key: string;
  label: string;
  loop: string;
  file: string;
  marker: string;
}

const FRAMES: Frame[] = [
  {
    key: 'small',
    label: 'small frame: 2 arguments, 2 locals, numbers and a short string',
    loop: 'smallFrame',
    file: 'bench/fixtures/frame-small.mjs',
    marker: 'small-frame',
  },
  {
    key: 'large',
    label: 'large frame: 500-line order, 20 KB string, 5,000-name catalog, 1,000 customers in scope',
    loop: 'largeFrame',
    file: 'bench/fixtures/frame-large.mjs',
    marker: 'large-frame',
  },
];

const benchmark: Benchmark = {
  name: 'snapshot-stall',
  title: 'Snapshot: main-thread stall per capture',
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 6;
    const cp = await startBenchControlPlane();
    const sink = await otlpReceiver({ decode: false });
    const api = new ControlPlaneApi(cp.url);
    const app = await startFixtureApp({
      name: 'app with the agent',
      script: fixture('probe-target.mjs'),
      agent: { broker: cp.mqttUrl, agentId: AGENT_ID, otlpEndpoint: sink.url, quotas: 'off' },
    });
    const events = await api.events({ agent: AGENT_ID });
    const perCall = new Map<string, number[]>();
    const actions = new Map<string, string>();
    const expected = rounds * CALLS_PER_ROUND;
    let stalls: Map<string, SnapshotNotice[]>;
    const bytes = new Map<string, number>();
    try {
      await agentConnected(app);
      for (const frame of FRAMES) {
        const body: ActionInput = {
          type: 'snapshot',
          file: frame.file,
          line: lineOf(frame.file, frame.marker),
          agents: [AGENT_ID],
          maxHits: Math.min(1000, expected),
        };
        const id = await api.addAction(body);
        await api.waitForStatus(id, AGENT_ID, 'installed');
        actions.set(frame.key, id);
      }
      for (let round = 1; round <= rounds; round++) {
        ctx.progress(`snapshot-stall: round ${round}/${rounds}`);
        for (const frame of FRAMES) {
          const { nsPerCall } = await app.ipc.request<{ nsPerCall: number }>('measure', { loop: frame.loop, calls: CALLS_PER_ROUND });
          perCall.set(frame.key, [...(perCall.get(frame.key) ?? []), nsPerCall]);
        }
      }
      const notices = () =>
        events
          .events()
          .filter((e) => e.event === 'snapshot')
          .map((e) => e.data as SnapshotNotice);
      const byFrame = () => new Map(FRAMES.map((f) => [f.key, notices().filter((n) => n.actionId === actions.get(f.key))]));
      await waitFor(
        () => [...byFrame().values()].every((list) => list.length >= expected),
        120_000,
        `${expected} snapshots of each frame`,
        200,
      );
      stalls = byFrame();
      for (const frame of FRAMES) {
        const last = stalls.get(frame.key)!.at(-1)!;
        bytes.set(frame.key, (await api.snapshot(last.id)).snapshot.bytes);
      }
    } finally {
      events.close();
      await app.stop();
      await Promise.all([cp.stop(), sink.stop()]);
    }

    const table = renderTable(
      ['frame', 'captures', 'stall median', 'stall p99', 'stall max', 'whole hit, as the app sees it (median)', 'captured', 'truncated'],
      FRAMES.map((frame) => {
        const list = stalls.get(frame.key)!;
        const values = list.map((n) => n.stallMs);
        return [
          frame.label,
          String(list.length),
          ms(median(values)),
          ms(percentile(values, 99)),
          ms(max(values)),
          duration(median(perCall.get(frame.key)!)),
          `${bytes.get(frame.key)} bytes`,
          `${list.filter((n) => n.truncated).length}/${list.length}`,
        ];
      }),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    );
    return {
      blocks: [
        `${rounds} rounds of ${CALLS_PER_ROUND} calls of each function, alternating; one snapshot action per line, quotas off, default capture limits (depth 3, 20 properties, 20 items, 256-character strings, 16 KiB per capture). ` +
          '"stall" is the `stallMs` the agent reports with each snapshot (the capture on the main thread: stack, arguments, locals, closure and module values, serialized with bounds); ' +
          '"whole hit" is the loop\'s time per call, which adds V8\'s breakpoint and condition evaluation and the hand-off to the worker.',
        table,
      ],
    };
  },
};

export default benchmark;
