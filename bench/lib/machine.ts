// The machine a report was measured on, printed at its top.
import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';

/** What a reader needs to compare our figures with theirs. */
export function describeMachine(): Array<[string, string]> {
  const cpu = cpus()[0]?.model.trim() || 'unknown CPU';
  return [
    [
      'machine',
      `${cpu}, ${availableParallelism()} cores, ${Math.round(totalmem() / 1024 ** 3)} GiB RAM, ${type()} ${release()} ${process.arch}`,
    ],
    ['node', process.version],
    [
      'load',
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at start (other work on the machine adds noise; figures in one table are measured side by side)`,
    ],
  ];
}
