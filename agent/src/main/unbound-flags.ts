/**
 * The flags of a prepared file the agent does not bind (one a bundler put into a script of its
 * own): they never turn on, as the header makes them when the file runs without the agent.
 */
import { runInThisContext } from 'node:vm';
import { UNBOUND_THROW } from '../prepare/prepared-messages.js';

/** What a prepared file's header takes from the registry. */
export interface FileFlags {
  readonly F: Uint8Array;
  readonly S: Uint8Array;
  readonly H: (pass: unknown[] | number) => void;
  readonly C: (site: number) => void;
  readonly K: Int32Array;
  readonly X: Uint8Array;
  readonly T: (pass: unknown[]) => void;
  readonly W: (error: unknown, pass: unknown[] | 0) => unknown;
}

/** The header's own `W`, compiled from its text when a file first needs it: a function `new` can call, as the file does. */
let unboundThrow: FileFlags['W'] | undefined;

export function unboundFlags(sites: number, functions: number): FileFlags {
  const none = (): void => {};
  unboundThrow ??= runInThisContext(`(${UNBOUND_THROW})`, { filename: 'liveprobe:unbound-throw' }) as FileFlags['W'];
  return {
    F: new Uint8Array(functions),
    S: new Uint8Array(sites),
    H: none,
    C: none,
    K: new Int32Array(sites),
    X: new Uint8Array(1),
    T: none,
    W: unboundThrow,
  };
}
