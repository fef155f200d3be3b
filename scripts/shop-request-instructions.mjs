// Main-thread instructions per request of the example shop (examples/shop/dist/server.js, GET
// /products/tea, one connection), counted by callgrind over consecutive batches from the first
// request on: how a setting moves the app's warm-up and its warmed cost, a figure the machine's
// load does not change. The agent is loaded with LIVEPROBE_INSPECTOR_SESSION=<session> and
// LIVEPROBE_SPARKPLUG=<sparkplug> (docs/BENCHMARKS.md, install stall); `none` runs the shop
// without the agent (`--no-sparkplug` for `off`).
//
//   npm run build && node scripts/shop-request-instructions.mjs <on|off> [startup|on-demand|none]
import { otlpReceiver } from '@liveprobe/harness';
import autocannon from 'autocannon';
import { startBenchControlPlane } from '../bench/dist/lib/control-plane.js';
import { appUnderCallgrind } from './app-under-callgrind.mjs';

const [sparkplug = 'off', session = 'startup'] = process.argv.slice(2);
const BATCHES = [300, 1000, 2000, 4000, 8000];
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
const { app, control, total, stop } = appUnderCallgrind({
  name: 'shop under callgrind',
  nodeArgs,
  script: 'examples/shop/dist/server.js',
  env,
});
// Dump i holds batch i; thread 01 is the app's main thread.
const mainThread = (dump) => total(`cg.out.${dump}-01`);
try {
  const [, base] = await app.waitForMatch(/listening on (http:\/\/\S+)/, 600_000, 'the shop to listen');
  if (agent) await app.waitForMatch(/\[liveprobe\] connected to /, 600_000, 'the agent to connect');
  control('-i', 'on');
  let first = 1;
  for (const [i, amount] of BATCHES.entries()) {
    await autocannon({ url: `${base}/products/tea`, connections: 1, amount });
    control('-d', `batch${i + 1}`);
    console.log(
      `requests ${first}–${first + amount - 1}: ${Math.round(mainThread(i + 1) / amount).toLocaleString('en-US')} instructions each`,
    );
    first += amount;
  }
} finally {
  await stop();
  await Promise.all([cp.stop(), sink.stop()]);
}
