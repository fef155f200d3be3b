/**
 * What the app thread learns about a thrown value for exception actions on prepared files: its
 * class chain, message and `cause` chain, read from own data properties only, never through a
 * Proxy, a getter or a `toString` of the app's (as the worker's DESCRIBE_THROWN does in the
 * paused app on the breakpoint path).
 */
import type { ThrownError } from '@liveprobe/protocol';
import { types } from 'node:util';
import type { ThrownSummary } from '../exception-filter.js';

const { getOwnPropertyDescriptor, getPrototypeOf } = Object;
const { isProxy } = types;
const MAX_TYPES = 10;
const MAX_CAUSES = 5;
const MAX_MESSAGE = 1000;

export interface Described extends ThrownSummary {
  causes: ThrownError['causes'];
}

export function describeThrown(value: unknown): Described {
  const thrown = summary(value);
  const causes: ThrownError['causes'] = [];
  for (let c = own(value, 'cause'); c !== undefined && causes.length < MAX_CAUSES; c = own(c, 'cause')) {
    const cause = summary(c);
    causes.push({ type: cause.types[0] ?? 'Object', message: cause.message });
  }
  return { ...thrown, causes };
}

function summary(value: unknown): ThrownSummary {
  if (!isObject(value)) return { types: [typeof value], message: typeof value === 'string' ? value.slice(0, MAX_MESSAGE) : String(value) };
  const message = own(value, 'message');
  return { types: typesOf(value), message: typeof message === 'string' ? message.slice(0, MAX_MESSAGE) : '' };
}

function typesOf(value: object): string[] {
  const out: string[] = [];
  for (let p = prototypeOf(value); p !== null && out.length < MAX_TYPES; p = prototypeOf(p)) {
    const maker = own(p, 'constructor');
    const name = own(maker, 'name');
    if (typeof maker === 'function' && typeof name === 'string') out.push(name);
  }
  return out;
}

function prototypeOf(value: object): object | null {
  return isProxy(value) ? null : (getPrototypeOf(value) as object | null);
}

/** An own data property's value; undefined for a getter, a Proxy or a primitive. */
function own(value: unknown, key: string): unknown {
  if (!isObject(value) || isProxy(value)) return undefined;
  const descriptor = getOwnPropertyDescriptor(value, key);
  return descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined;
}

export function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}
