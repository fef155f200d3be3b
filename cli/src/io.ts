/** Where commands print: results on stdout, notices and errors on stderr. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

/**
 * Streams whose reader went away (`liveprobe prepare … | head`): writing to them failed with
 * EPIPE, and what is written after is dropped, so a command finishes its work (every prepared
 * file written whole) instead of dying with a stack trace.
 */
const closed = new WeakSet<NodeJS.WriteStream>();

let stdoutClosed: () => void = () => {};
/** Settles when stdout's reader goes away: a command that only prints (`tail`) has nothing left to do. */
export const stdoutReaderGone = new Promise<void>((resolve) => {
  stdoutClosed = resolve;
});

/** Once, at start-up: a pipe closed by its reader is no error of the command's. */
export function dropOutputOfClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      closed.add(stream);
      if (stream === process.stdout) stdoutClosed();
    });
}

function write(stream: NodeJS.WriteStream, line: string): void {
  if (!closed.has(stream)) stream.write(`${line}\n`);
}

export const processIo: Io = {
  out: (line) => write(process.stdout, line),
  err: (line) => write(process.stderr, line),
};
