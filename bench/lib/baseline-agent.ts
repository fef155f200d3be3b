/** Another build of the agent (LIVEPROBE_BENCH_BASELINE: its agent/dist), for before and after in one run. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The build's bundled register, as the package's own `register` export loads it, else its plain one. */
export function baselineRegister(dist: string): string {
  const bundled = join(resolve(dist), 'bundle', 'register.js');
  return existsSync(bundled) ? bundled : join(resolve(dist), 'register.js');
}
