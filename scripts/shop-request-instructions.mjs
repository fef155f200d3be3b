// Main-thread instructions per request of the example shop (examples/shop/dist/server.js, GET
// /products/tea, one connection), counted by callgrind over consecutive batches from the first
// request on: how a setting moves the app's warm-up and its warmed cost, a figure the machine's
// load does not change. The agent is loaded with LIVEPROBE_INSPECTOR_SESSION=<session> and
// LIVEPROBE_SPARKPLUG=<sparkplug> (docs/BENCHMARKS.md, install stall); `none` runs the shop
// without the agent (`--no-sparkplug` for `off`).
//
//   npm run build && node scripts/shop-request-instructions.mjs <on|off> [startup|on-demand|none]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child, fromRoot, otlpReceiver } from '@liveprobe/harness';
import autocannon from 'autocannon';
import { startBenchControlPlane } from '../bench/dist/lib/control-plane.js';

const [sparkplug = 'off', session = 'startup'] = process.argv.slice(2);
const BATCHES = [300, 1000, 2000, 4000, 8000];
const out = mkdtempSync(join(tmpdir(), 'liveprobe-shop-requests-'));
const cp = await startBenchControlPlane();
const sink = await otlpReceiver({ decode: false });
const agent = session !== 'none';
const env = {
  PORT: '0',
  ...(agent
    ? {
        LIVEPROBE_BROKER_URL: cp.mqttUrl,
        LIVEPROBE_AGENT_ID: `shop-requests-${sparkplug}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        LIVEPROBE_INSPECTOR_SESSION: session,
        LIVEPROBE_SPARKPLUG: sparkplug,
      }
    : {}),
};
const nodeArgs = agent ? ['--import', '@liveprobe/agent/register'] : sparkplug === 'off' ? ['--no-sparkplug'] : [];
const app = new Child(
  'valgrind',
  [
    '--tool=callgrind',
    '--separate-threads=yes',
    '--instr-atstart=no',
    `--callgrind-out-file=${join(out, 'cg.out')}`,
    process.execPath,
    ...nodeArgs,
    fromRoot('examples/shop/dist/server.js'),
  ],
  { name: 'shop under callgrind', env },
);
// Thread 01 is the app's main thread; dump i holds batch i.
const mainThread = (dump) => Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(join(out, `cg.out.${dump}-01`), 'utf8'))[1]);
try {
  const [, base] = await app.waitForMatch(/listening on (http:\/\/\S+)/, 600_000, 'the shop to listen');
  if (agent) await app.waitForMatch(/\[liveprobe\] connected to /, 600_000, 'the agent to connect');
  execFileSync('callgrind_control', ['-i', 'on', String(app.pid)], { stdio: 'ignore' });
  let first = 1;
  for (const [i, amount] of BATCHES.entries()) {
    await autocannon({ url: `${base}/products/tea`, connections: 1, amount });
    execFileSync('callgrind_control', ['-d', `batch${i + 1}`, String(app.pid)], { stdio: 'ignore' });
    console.log(
      `requests ${first}–${first + amount - 1}: ${Math.round(mainThread(i + 1) / amount).toLocaleString('en-US')} instructions each`,
    );
    first += amount;
  }
} finally {
  await app.stop();
  await Promise.all([cp.stop(), sink.stop()]);
  rmSync(out, { recursive: true, force: true });
}
