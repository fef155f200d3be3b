import { defined } from '@liveprobe/protocol/util';
import { Option, type Command } from 'commander';
import type { ControlPlane } from '@liveprobe/control-plane';
import { parsePort } from '../arguments.js';
import { DEFAULT_SERVER, type Context } from '../context.js';
import { DEMO_AGENT_PREFIX, startShop, shopLineOf, SHOP_SCRIPT, SHOP_SOURCE, type Shop } from '../demo/shop.js';
import { CliError } from '../errors.js';
import { clockTime } from '../format/time.js';
import { untilTerminated } from '../termination.js';
import { authFlags, authOptions, describeAuth, type UpAuthOptions } from './up-auth.js';

interface UpOptions extends UpAuthOptions {
  port: number;
  host: string;
  mqttPort: number;
  dataDir: string;
  broker?: string;
  database?: string;
  topicPrefix?: string;
  demo?: boolean;
  demoPort: number;
}

const LABEL_WIDTH = 'control plane'.length;

export function registerUp(program: Command, ctx: Context): void {
  const up = program
    .command('up')
    .description('run the control plane (REST API, MQTT broker, database) in the foreground until Ctrl-C')
    .option('--port <port>', 'HTTP port of the REST API (0 picks a free one)', parsePort, 8080)
    .option('--host <host>', 'interface to listen on, for HTTP and the embedded broker', '127.0.0.1')
    .option('--mqtt-port <port>', 'port of the embedded MQTT broker (0 picks a free one)', parsePort, 1883)
    .option('--data-dir <dir>', 'where the database lives', './.liveprobe')
    .option('--broker <url>', 'use this MQTT broker (e.g. mqtt://mosquitto:1883) instead of the embedded one')
    .addOption(
      new Option(
        '--database <url>',
        'keep state in PostgreSQL (postgres://user:pass@host/db) instead of SQLite in --data-dir; replicas may share it',
      ).env('LIVEPROBE_DATABASE_URL'),
    )
    .option('--topic-prefix <prefix>', 'MQTT topic prefix (default liveprobe/v1)')
    .option('--demo', 'also run the example shop with the agent, tagged "demo"')
    .option('--demo-port <port>', 'HTTP port of the example shop', parsePort, 3000)
    .action(async (options: UpOptions) => {
      const field = (label: string, value: string) => ctx.io.out(`${label.padEnd(LABEL_WIDTH)}  ${value}`);
      const controlPlane = await start(options, (line) => ctx.io.out(`${clockTime(new Date().toISOString())} ${line}`));
      const terminated = untilTerminated();
      let shop: Shop | undefined;
      try {
        field('control plane', controlPlane.url);
        field('mqtt broker', `${controlPlane.mqttUrl} (${controlPlane.embeddedBroker ? 'embedded' : 'external'})`);
        field('database', controlPlane.dbPath);
        const auth = await describeAuth(controlPlane, options, options.demo === true);
        for (const [label, value] of auth.lines) field(label, value);
        if (options.demo === true) {
          // With authentication on, the embedded broker wants the shop's agent to present an agent token.
          const agentToken =
            options.auth === 'off' || !controlPlane.embeddedBroker
              ? undefined
              : await controlPlane.issueToken('demo-shop', 'agent', {
                  replacingSameName: true,
                  tags: ['demo'],
                  agents: [`${DEMO_AGENT_PREFIX}*`],
                });
          shop = await startShop({
            brokerUrl:
              agentToken === undefined
                ? controlPlane.mqttUrl
                : controlPlane.mqttUrl.replace(/^(mqtts?:\/\/)/, `$1demo-shop:${agentToken}@`),
            port: options.demoPort,
            topicPrefix: options.topicPrefix,
            env: process.env,
            print: (line) => ctx.io.out(line),
          });
          field('demo app', `${shop.url} (${SHOP_SCRIPT} with the agent, tag demo)`);
          ctx.io.out('');
          ctx.io.out('try:');
          const token = options.auth === 'off' ? undefined : await controlPlane.issueToken('demo', 'admin', { replacingSameName: true });
          for (const command of demoCommands(controlPlane.url, shop.url, token)) ctx.io.out(`  ${command}`);
        }
        ctx.io.out('liveprobe ready');
        await terminated;
      } finally {
        terminated.cancel();
        await shop?.stop();
        await controlPlane.close();
      }
      ctx.io.out('stopped');
    });
  for (const flag of authFlags()) up.addOption(flag);
}

async function start(options: UpOptions, log: (line: string) => void): Promise<ControlPlane> {
  // Loaded here so that the other commands do not pay for the server's dependencies.
  const { startControlPlane, ControlPlaneError } = await import('@liveprobe/control-plane');
  try {
    return await startControlPlane({
      port: options.port,
      host: options.host,
      mqttPort: options.mqttPort,
      dataDir: options.dataDir,
      ...defined({ brokerUrl: options.broker, databaseUrl: options.database, topicPrefix: options.topicPrefix }),
      auth: authOptions(options, options.demo === true),
      ...defined({ signingKeyFile: options.signingKeyFile }),
      ...(options.tlsCert === undefined && options.tlsKey === undefined
        ? {}
        : { tls: { certFile: requireBoth(options.tlsCert, '--tls-cert'), keyFile: requireBoth(options.tlsKey, '--tls-key') } }),
      log,
    });
  } catch (err) {
    if (!(err instanceof ControlPlaneError)) throw err;
    const hint = err.code === 'port_in_use' ? ' (liveprobe up --port, --mqtt-port)' : '';
    throw new CliError(err.code, `${err.message}${hint}`);
  }
}

function requireBoth(value: string | undefined, flag: string): string {
  if (value === undefined) throw new CliError('usage', `${flag} is missing: --tls-cert and --tls-key go together`);
  return value;
}

function demoCommands(server: string, shopUrl: string, token: string | undefined): string[] {
  const serverFlag = server === DEFAULT_SERVER ? '' : ` --server ${server}`;
  const line = shopLineOf('order-created');
  // `npx liveprobe`, as in the README: from the clone, where `liveprobe` alone is not on PATH.
  // A breakpoint fires before its line runs, so `order` is not assigned yet there; the id it is about to get is.
  return [
    // A fresh admin token every start (the previous demo token is revoked), so the commands below just work.
    ...(token === undefined ? [] : [`export LIVEPROBE_TOKEN=${token}`]),
    // The tail shows only what happens while it runs: it comes before the hit it is there to show.
    `npx liveprobe tail${serverFlag}   # keeps running: run the next lines in another terminal, after the export`,
    `npx liveprobe log add ${SHOP_SOURCE}:${line} "order {nextOrderId} for {userId}: {amount}" --tag demo${serverFlag}`,
    `curl -s -XPOST localhost:${new URL(shopUrl).port}/checkout -d '{"user":"u1","items":[{"sku":"tea","quantity":2}]}'`,
  ];
}
