// The benchmarks' fixtures (bench/fixtures), by name.
import { fromRoot } from '@liveprobe/harness';

/** A file of bench/fixtures (plain JavaScript, not compiled, so its line numbers are what actions name). */
export function fixture(name: string): string {
  return fromRoot(`bench/fixtures/${name}`);
}
