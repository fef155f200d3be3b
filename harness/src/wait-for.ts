/**
 * Polls `fn` until it returns something other than undefined, null or false, and returns that.
 * A throw counts as "not yet": the last error is quoted in the timeout message, which usually
 * explains the failure better than the timeout itself. A `StopWaiting` thrown by `fn` ends the
 * wait at once (a state that can never turn into the awaited one, e.g. an error status).
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) {
        return value as Exclude<T, undefined | null | false>;
      }
    } catch (error) {
      if (error instanceof StopWaiting) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError === undefined ? '' : `; last error: ${String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Thrown from a waitFor probe to stop waiting at once, with this error. */
export class StopWaiting extends Error {}
