/** The benchmarks' control plane (control-plane-main.ts) in its own process, with SQLite in a temporary directory. */
import { Child, tempDir } from '@liveprobe/harness';
import { fileURLToPath } from 'node:url';

export interface BenchControlPlane {
  url: string;
  mqttUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Resolves once it printed its URLs; its embedded aedes broker serves agents unless `broker` is
 * given. `main`: another build's bench/dist/lib/control-plane-main.js, to compare with it.
 */
export async function startBenchControlPlane(options: { broker?: string; main?: string } = {}): Promise<BenchControlPlane> {
  const dataDir = await tempDir('liveprobe-bench-cp-');
  const main =
    options.main ?? fileURLToPath(new URL(`./control-plane-main.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
  const child = new Child(process.execPath, [main, dataDir.path, ...(options.broker === undefined ? [] : [options.broker])], {
    name: 'control plane',
  });
  try {
    const match = await child.waitForMatch(/^\{"url".*\}$/, 30_000, 'the control plane to start');
    const { url, mqttUrl } = JSON.parse(match[0]) as { url: string; mqttUrl: string };
    return {
      url,
      mqttUrl,
      pid: child.pid,
      async stop() {
        await child.stop('SIGTERM', 10_000);
        await dataDir.remove();
      },
    };
  } catch (err) {
    await child.stop();
    await dataDir.remove();
    throw err;
  }
}
