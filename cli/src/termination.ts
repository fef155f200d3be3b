export interface Termination extends Promise<NodeJS.Signals> {
  /** Stops listening, so the signals get their default behaviour again. */
  cancel(): void;
}

/** Resolves on the first SIGINT or SIGTERM, which are then handled by the caller instead of killing the process. */
export function untilTerminated(): Termination {
  let cancel = () => {};
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      cancel();
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    cancel = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  });
  return Object.assign(promise, { cancel });
}
