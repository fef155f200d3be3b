import { InvalidArgumentError } from 'commander';

/** `src/server.ts:42` → file and line; the last colon splits, so Windows drive letters survive. */
export function parseLocation(text: string): { file: string; line: number } {
  const colon = text.lastIndexOf(':');
  const file = text.slice(0, colon);
  const lineText = text.slice(colon + 1);
  const line = Number(lineText);
  if (colon <= 0 || lineText.trim() === '' || Number.isNaN(line)) {
    throw new InvalidArgumentError(`"${text}" is not file:line; add the line number after a colon, e.g. src/server.ts:42`);
  }
  if (!Number.isInteger(line) || line < 1) {
    throw new InvalidArgumentError(`"${text}": line "${lineText}" is not a line number; lines count from 1, as your editor shows them`);
  }
  return { file, line };
}

export function parseWholeNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 0) throw new InvalidArgumentError(`"${text}" is not a whole number`);
  return value;
}

/** A rate such as `10` or `0.5` (one every two seconds): a positive number. */
export function parseRate(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0)
    throw new InvalidArgumentError(`"${text}" is not a rate; give hits per second above 0, e.g. 10 or 0.5`);
  return value;
}

/** `--jobs`: how many threads; at least one. */
export function parseJobs(text: string): number {
  const jobs = parseWholeNumber(text);
  if (jobs < 1)
    throw new InvalidArgumentError(`${jobs} is not a number of threads; give 1 or more (1 prepares on the command's own thread)`);
  return jobs;
}

export function parsePort(text: string): number {
  const port = parseWholeNumber(text);
  if (port > 65535) throw new InvalidArgumentError(`${port} is not a port; use 0–65535 (0 picks a free one)`);
  return port;
}

/** For repeatable options: `--tag a --tag b` → ['a', 'b']. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
