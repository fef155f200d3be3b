/**
 * An error's message for the agent's own log lines on the app's thread, read without trusting
 * the app's globals: an app may have replaced `Error` or `String` (or made them throw) when the
 * agent reports a failure, and the report must not become a failure of its own.
 */
const NativeError = Error;
const NativeString = String;

export function errorText(err: unknown): string {
  try {
    return err instanceof NativeError ? NativeString(err.message) : NativeString(err);
  } catch {
    return 'an error that cannot be read';
  }
}
