/**
 * Propagation: from `POST /actions` until the action is installed on every simulated agent
 * of a fleet, through the control plane's embedded aedes broker and through Mosquitto. Each
 * fleet size gets its own tag and several actions, one after the other; latencies are pooled
 * over agents and actions. LIVEPROBE_BENCH_BASELINE=<another build's repository root> adds that
 * build's control plane on its embedded broker, measured after this build's, with the same
 * simulator (a regression hunt: docs/BENCHMARKS.md, "Propagation").
 */
import { mosquitto as startMosquitto, mosquittoAvailable, waitFor } from '@liveprobe/harness';
import { errorMessage } from '@liveprobe/protocol/util';
import { join } from 'node:path';
import { startFleetProcesses, type AgentNotice } from './fleet-simulator/index.js';
import { preciseNow } from '@liveprobe/harness/clock';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { rssOf } from './lib/rss.js';
import { ControlPlaneApi } from './lib/control-plane-api.js';
import { mib, ms, sig } from './lib/format.js';
import { max, median, percentile } from './lib/stats.js';
import { renderTable } from './lib/table.js';
import { type TargetRow, spread, verdictAtMost } from './lib/targets.js';

/** Simulator processes: the machine's other work (control plane, bench) needs the rest. */
const PROCESSES = 2;
const INSTALL_TIMEOUT_MS = 180_000;

type Broker = 'aedes (embedded)' | 'aedes (embedded), baseline build' | 'Mosquitto';

const BASELINE = process.env.LIVEPROBE_BENCH_BASELINE;

interface SizeResult {
  broker: Broker;
  agents: number;
  actions: number;
  connectSeconds: number;
  /** Per agent and action, ms after the POST was sent. */
  delivered: number[];
  /** Per action, the p99 of its deliveries. */
  deliveredP99: number[];
  seen: number[];
  /** Per action, ms until `GET /actions/:id` said "installed on N/N agents". */
  rest: number[];
  controlPlaneRss: number | undefined;
  simulatorRss: number | undefined;
  droppedByStream: number;
}

const benchmark: Benchmark = {
  name: 'propagation',
  title: 'Propagation: POST /actions until installed on a simulated fleet',
  async run(ctx): Promise<Report> {
    const actionsPerSize = ctx.options.rounds ?? 5;
    const brokers: Broker[] = ['aedes (embedded)', ...(BASELINE === undefined ? [] : ['aedes (embedded), baseline build' as const])];
    if (await mosquittoAvailable()) brokers.push('Mosquitto');
    const results: SizeResult[] = [];
    const failures: string[] = [];
    for (const broker of brokers) {
      const mosquitto = broker === 'Mosquitto' ? await startMosquitto({ quiet: true, settings: ['max_queued_messages 10000'] }) : undefined;
      const cp = await startBenchControlPlane(
        mosquitto !== undefined
          ? { broker: mosquitto.url }
          : broker === 'aedes (embedded)' || BASELINE === undefined
            ? {}
            : { main: join(BASELINE, 'bench/dist/lib/control-plane-main.js') },
      );
      const api = new ControlPlaneApi(cp.url);
      try {
        for (const size of ctx.options.fleetSizes) {
          try {
            results.push(
              await measureSize(
                ctx.progress,
                broker,
                cp.mqttUrl,
                [cp.pid, ...(mosquitto === undefined ? [] : [mosquitto.pid])],
                api,
                size,
                actionsPerSize,
              ),
            );
          } catch (err) {
            failures.push(`${size} agents on ${broker}: ${errorMessage(err)}`);
            ctx.progress(`propagation: ${size} agents on ${broker} failed: ${errorMessage(err)}`);
          }
        }
      } finally {
        await cp.stop();
        await mosquitto?.stop();
      }
    }

    const dist = (values: number[]) => `${ms(median(values))} / ${ms(percentile(values, 99))} / ${ms(max(values))}`;
    const table = renderTable(
      [
        'broker',
        'agents',
        'actions',
        'delivered to the agent: p50 / p99 / max',
        'installed, seen by the control plane: p50 / p99 / max',
        '`GET /actions/:id` says N/N (median)',
        'fleet connect',
        'control plane + broker RSS',
        'simulator RSS',
      ],
      results.map((r) => [
        r.broker,
        sig(r.agents),
        String(r.actions),
        dist(r.delivered),
        dist(r.seen),
        ms(median(r.rest)),
        `${sig(r.connectSeconds)} s`,
        r.controlPlaneRss === undefined ? '—' : mib(r.controlPlaneRss),
        r.simulatorRss === undefined ? '—' : mib(r.simulatorRss),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    );
    const dropped = results
      .filter((r) => r.droppedByStream > 0)
      .map(
        (r) =>
          `${r.broker}, ${r.agents} agents: ${r.droppedByStream} live events dropped by the control plane's SSE back-pressure (those agents' "seen" times come from the REST poll)`,
      );
    return {
      blocks: [
        'Control plane in its own process (SQLite) with its embedded aedes broker, ' +
          (BASELINE === undefined ? '' : `then the baseline build's (${BASELINE}) likewise, `) +
          'then with Mosquitto (`--broker`) when /usr/sbin/mosquitto exists; ' +
          `simulated agents (bench/fleet-simulator, one mqtt.js client each, heartbeats every 30 s) spread over ${PROCESSES} processes on the same machine. ` +
          `For each fleet size, ${actionsPerSize} log actions are created one after the other for the fleet's tag; each time is from sending \`POST /actions\`. ` +
          '"Delivered" is when the simulated agent received the new desired state (and published `installed`); "seen by the control plane" is when its `action_status` event reached an SSE client of `GET /events`; ' +
          'the last column is when the REST summary first read "installed on N/N agents" (polled every 100 ms). RSS is taken after the last action.',
        table,
        ...(dropped.length > 0 ? [dropped.join('\n')] : []),
        ...(failures.length > 0 ? [`**Not measured**: ${failures.join('; ')}`] : []),
      ],
      targets: fleetTargets(results, Math.max(...ctx.options.fleetSizes)),
    };
  },
};

/** The issue's fleet targets: at 5,000 agents, the embedded broker beside Mosquitto in the same run. */
function fleetTargets(results: SizeResult[], largest: number): TargetRow[] {
  const FLEET = 5000;
  const of = (broker: Broker) => results.find((r) => r.broker === broker && r.agents === FLEET);
  const aedes = of('aedes (embedded)');
  const mosquitto = of('Mosquitto');
  const notRun =
    largest < FLEET
      ? `not measured: the largest fleet was ${sig(largest)} (--fleet)`
      : `not measured: the ${sig(FLEET)}-agent fleet failed (above)`;
  const connect: TargetRow = {
    target: `${sig(FLEET)} agents connect in ≤ 10 s on the embedded broker`,
    measured: aedes === undefined ? notRun : `${sig(aedes.connectSeconds)} s`,
    floor: mosquitto === undefined ? 'Mosquitto: not measured' : `Mosquitto: ${sig(mosquitto.connectSeconds)} s`,
    met: aedes === undefined ? 'unresolved' : verdictAtMost([aedes.connectSeconds], 10),
  };
  // Action i on aedes against action i on Mosquitto: one ratio per pair.
  const ratios =
    aedes === undefined || mosquitto === undefined
      ? []
      : aedes.deliveredP99.slice(0, mosquitto.deliveredP99.length).map((p99, i) => p99 / mosquitto.deliveredP99[i]!);
  const p99: TargetRow = {
    target: `propagation p99 at ${sig(FLEET)} agents ≤ 1.5× Mosquitto delivering to as many subscribers`,
    measured:
      aedes === undefined
        ? notRun
        : `p99 ${ms(percentile(aedes.delivered, 99))}; per action over Mosquitto's: ${spread(ratios, (r) => `×${sig(r)}`, 'actions')}`,
    floor:
      mosquitto === undefined
        ? 'Mosquitto: not measured (not installed, or failed)'
        : `the control plane on Mosquitto: p99 ${ms(percentile(mosquitto.delivered, 99))}`,
    met: verdictAtMost(ratios, 1.5),
  };
  return [connect, p99];
}

async function measureSize(
  progress: (line: string) => void,
  broker: Broker,
  brokerUrl: string,
  serverPids: number[],
  api: ControlPlaneApi,
  size: number,
  actions: number,
): Promise<SizeResult> {
  const tag = `propagation-${size}`;
  progress(`propagation: starting ${size} simulated agents on ${broker}`);
  const installedAt = new Map<string, number[]>();
  const onNotice = (notice: AgentNotice) => {
    if (notice.kind !== 'status' || notice.state !== 'installed') return;
    let list = installedAt.get(notice.actionId);
    if (list === undefined) installedAt.set(notice.actionId, (list = []));
    list.push(notice.at);
  };
  const connectStarted = preciseNow();
  const fleet = await startFleetProcesses({
    broker: brokerUrl,
    agents: size,
    tags: [tag],
    idPrefix: `p${size}`,
    processes: PROCESSES,
    onNotice,
  });
  const connectSeconds = (preciseNow() - connectStarted) / 1000;
  const events = await api.events();
  const result: SizeResult = {
    broker,
    agents: size,
    actions: 0,
    connectSeconds,
    delivered: [],
    deliveredP99: [],
    seen: [],
    rest: [],
    controlPlaneRss: undefined,
    simulatorRss: undefined,
    droppedByStream: 0,
  };
  try {
    await waitFor(
      async () => (await api.agents()).filter((a) => a.online && a.agentId.startsWith(`p${size}-`)).length === size,
      120_000,
      `${size} agents online in the control plane`,
      250,
    );
    for (let i = 1; i <= actions; i++) {
      progress(`propagation: ${size} agents on ${broker}, action ${i}/${actions}`);
      events.clear();
      const posted = preciseNow();
      const id = await api.addAction({ type: 'log', file: 'src/orders.ts', line: 40 + i, template: 'order {order.id}', tags: [tag] });
      const rest = await waitFor(
        async () => ((await api.action(id)).summary === `installed on ${size}/${size} agents` ? preciseNow() : undefined),
        INSTALL_TIMEOUT_MS,
        `installed on ${size}/${size} agents`,
        100,
      );
      await fleet.waitFor(id, 'installed', size, INSTALL_TIMEOUT_MS);
      result.rest.push(rest - posted);
      const delivered = (installedAt.get(id) ?? []).map((at) => at - posted);
      result.delivered.push(...delivered);
      result.deliveredP99.push(percentile(delivered, 99));
      const seen = events
        .events()
        .filter((e) => e.event === 'action_status' && e.data.actionId === id && e.data.state === 'installed')
        .map((e) => e.at - posted);
      // Events the stream dropped are visible in the REST summary: count them at its time.
      result.seen.push(...seen, ...Array<number>(Math.max(0, size - seen.length)).fill(rest - posted));
      result.actions++;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    result.droppedByStream = events.dropped();
    const servers = await Promise.all(serverPids.map((pid) => rssOf(pid)));
    result.controlPlaneRss = servers.every((r) => r !== undefined) ? servers.reduce((a, b) => a! + b!, 0) : undefined;
    const simulators = await Promise.all(fleet.pids.map((pid) => rssOf(pid)));
    result.simulatorRss = simulators.every((r) => r !== undefined) ? simulators.reduce((a, b) => a! + b!, 0) : undefined;
  } finally {
    events.close();
    progress(`propagation: stopping ${size} simulated agents`);
    await fleet.stop();
  }
  return result;
}

export default benchmark;
