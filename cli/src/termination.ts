export interface Termination extends Promise<NodeJS.Signals> {
  /** Stops listening, so the signals get their default behaviour again. */
  cancel(): void;
}

/**
 * Resolves on the first SIGINT or SIGTERM, which are then handled by the caller instead of
 * killing the process, or when the reader of stdout goes away (`liveprobe tail | head`: EPIPE,
 * given as SIGPIPE), since what a following command prints then goes nowhere.
 */
export function untilTerminated(): Termination {
  let cancel = () => {};
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      cancel();
      resolve(signal);
    };
    const onOutputClosed = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') onSignal('SIGPIPE');
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.stdout.on('error', onOutputClosed);
    cancel = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.stdout.off('error', onOutputClosed);
    };
  });
  return Object.assign(promise, { cancel });
}
