import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeProcess } from './node-process.js';

export interface BenchControlPlane {
  url: string;
  mqttUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/** A control plane with SQLite in a temporary directory, and its embedded aedes broker unless `broker` is given. */
export async function startBenchControlPlane(options: { broker?: string } = {}): Promise<BenchControlPlane> {
  const dataDir = await mkdtemp(join(tmpdir(), 'liveprobe-bench-cp-'));
  const main = fileURLToPath(new URL(`./control-plane-main.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
  const child = new NodeProcess(main, {
    name: 'control plane',
    args: [dataDir, ...(options.broker === undefined ? [] : [options.broker])],
  });
  try {
    const match = await child.waitForLine(/^\{"url".*\}$/, 30_000, 'the control plane to start');
    const { url, mqttUrl } = JSON.parse(match[0]) as { url: string; mqttUrl: string };
    return {
      url,
      mqttUrl,
      pid: child.pid,
      async stop() {
        await child.stop(10_000);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await child.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
