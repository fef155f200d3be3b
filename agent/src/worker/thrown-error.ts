/**
 * Reads the thrown value in the paused app: its class chain, message and `cause` chain. The
 * function runs with V8's side-effect check on (which refuses even an object spread), and reads
 * own data properties only, so an app's getter or a hostile `toString` never runs.
 */
import type { ThrownError } from '@liveprobe/protocol';
import type { ThrownValue } from './cdp-transport.js';
import type { ThrownSummary } from '../exception-filter.js';

const MAX_CAUSES = 5;
const MAX_MESSAGE = 1000;

/** Runs as `this` = the thrown object; returns plain data (returnByValue). */
export const DESCRIBE_THROWN = `function () {
  const own = (o, k) => { const d = Object.getOwnPropertyDescriptor(o, k); return d === undefined ? undefined : d.value; };
  const typesOf = (o) => {
    const types = [];
    for (let p = Object.getPrototypeOf(o); p !== null && types.length < 10; p = Object.getPrototypeOf(p)) {
      const c = own(p, 'constructor');
      if (typeof c === 'function' && typeof own(c, 'name') === 'string') types.push(own(c, 'name'));
    }
    return types;
  };
  const text = (v) => typeof v === 'string' ? v.slice(0, ${MAX_MESSAGE}) : '';
  const describe = (o) => typeof o === 'object' && o !== null
    ? { types: typesOf(o), message: text(own(o, 'message')) }
    : { types: [typeof o], message: text(String(o)) };
  const causes = [];
  for (let c = own(this, 'cause'); c !== undefined && causes.length < ${MAX_CAUSES}; c = typeof c === 'object' && c !== null ? own(c, 'cause') : undefined) {
    const d = describe(c);
    causes.push({ type: d.types[0] || 'Object', message: d.message });
  }
  const thrown = describe(this);
  return { types: thrown.types, message: thrown.message, causes };
}`;

export interface Described extends ThrownSummary {
  causes: ThrownError['causes'];
}

/** A primitive thrown (`throw 'oops'`): nothing to call a function on. */
export function describePrimitive(value: Partial<ThrownValue>): Described {
  const message = value.description ?? String(value.value);
  return { types: [value.type ?? 'undefined'], message: message.slice(0, MAX_MESSAGE), causes: [] };
}
