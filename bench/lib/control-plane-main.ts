/**
 * The control plane for benchmarks, in its own process as in production: the library with its
 * embedded aedes broker (or the broker given), authentication off (loopback) and the API rate
 * limit raised, since benchmarks create hundreds of actions and poll. Prints one JSON line
 * with its URLs once ready.
 */
import { defined } from '@liveprobe/protocol/util';
import { startControlPlane } from '@liveprobe/control-plane';

const [dataDir, brokerUrl] = process.argv.slice(2);
if (dataDir === undefined) throw new Error('usage: control-plane-main.js <data-dir> [<broker-url>]');
const controlPlane = await startControlPlane({
  port: 0,
  mqttPort: 0,
  dataDir,
  ...defined({ brokerUrl }),
  auth: { mode: 'off' },
  limits: { requestsPerSecond: 100_000, burst: 100_000 },
  log: process.env.LIVEPROBE_BENCH_ECHO === undefined ? () => {} : (line) => console.error(line),
});
console.log(JSON.stringify({ url: controlPlane.url, mqttUrl: controlPlane.mqttUrl }));
const stop = () => void controlPlane.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
