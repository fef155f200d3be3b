// Random object graphs full of traps, for the property tests of the serializer and the
// expression evaluator. A graph is generated as plain data (a `Shape`, which fast-check can
// print and shrink) and then built into real objects whose every trap records that it fired.
import { types } from 'node:util';
import fc from 'fast-check';

/** Thrown by a trap that fired; the tests assert none ever does. */
export class TrapFired extends Error {
  override name = 'TrapFired';
}

export type Primitive =
  | { p: 'number'; v: number }
  | { p: 'string'; v: string }
  | { p: 'boolean'; v: boolean }
  | { p: 'null' }
  | { p: 'undefined' }
  | { p: 'bigint'; v: string }
  | { p: 'symbol'; v: string };

export type Shape =
  | { k: 'prim'; v: Primitive }
  | {
      k: 'object';
      proto: 'object' | 'null' | 'class' | 'trap-class' | 'proxy' | 'getter-chain';
      props: Prop[];
      lock: 'none' | 'freeze' | 'seal' | 'preventExtensions';
    }
  | { k: 'proxy'; mode: 'throw' | 'forward' | 'revoked'; target: Shape }
  | { k: 'array'; items: (Shape | null)[]; extraLength: number; lock: 'none' | 'freeze' }
  | { k: 'map'; entries: [Shape, Shape][] }
  | { k: 'set'; items: Shape[] }
  | { k: 'coercible' }
  | { k: 'typed'; kind: 'Uint8Array' | 'Float64Array' | 'BigInt64Array' | 'Buffer' | 'Int16Array'; length: number }
  | { k: 'date'; time: number; trapped: boolean }
  | { k: 'regexp'; trapped: boolean }
  | { k: 'error'; trapped: boolean; cause: Shape | null }
  | { k: 'boxed'; kind: 'Number' | 'String' | 'Boolean' }
  | { k: 'function'; kind: 'plain' | 'arrow' | 'async' | 'generator' | 'class' | 'bound' | 'getter-name' }
  | { k: 'exotic'; kind: 'arguments' | 'weakmap' | 'promise' | 'arraybuffer' | 'dataview' | 'null-proto-getter-chain' }
  | { k: 'ref'; index: number };

export interface Prop {
  key: string;
  kind: 'data' | 'getter' | 'setter' | 'accessor' | 'non-enumerable' | 'symbol';
  value: Shape;
}

/** Property names chosen to tempt a careless reader: conversion hooks, prototype links, getters. */
export const TEMPTING_KEYS = [
  'valueOf',
  'toString',
  'toJSON',
  'constructor',
  'prototype',
  '__proto__',
  'then',
  'length',
  'size',
  'stack',
  'message',
  'name',
  'caller',
  'callee',
  'arguments',
  'source',
  'global',
  'byteLength',
  'description',
  'a',
  'b',
  'id',
  '0',
  '1',
  'password',
  'token',
  'apiKey',
  'nested',
  'items',
] as const;

const primitive: fc.Arbitrary<Primitive> = fc.oneof(
  fc.double().map((v) => ({ p: 'number' as const, v })),
  fc.integer().map((v) => ({ p: 'number' as const, v })),
  fc.string({ unit: 'binary', maxLength: 40 }).map((v) => ({ p: 'string' as const, v })),
  fc.string({ maxLength: 600 }).map((v) => ({ p: 'string' as const, v })),
  fc
    .constantFrom('4111 1111 1111 1111', 'Bearer abcdefghijklmnopqrstuvwxyz012345', 'ann@example.com')
    .map((v) => ({ p: 'string' as const, v })),
  fc.boolean().map((v) => ({ p: 'boolean' as const, v })),
  fc.constant({ p: 'null' as const }),
  fc.constant({ p: 'undefined' as const }),
  fc.bigInt().map((v) => ({ p: 'bigint' as const, v: v.toString() })),
  fc.string({ maxLength: 10 }).map((v) => ({ p: 'symbol' as const, v })),
);

export const shape: fc.Arbitrary<Shape> = fc.letrec<{ shape: Shape; prop: Prop }>((tie) => ({
  shape: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ k: fc.constant('prim' as const), v: primitive }),
    fc.record({
      k: fc.constant('object' as const),
      proto: fc.constantFrom('object', 'null', 'class', 'trap-class', 'proxy', 'getter-chain'),
      props: fc.array(tie('prop'), { maxLength: 6 }),
      lock: fc.constantFrom('none', 'freeze', 'seal', 'preventExtensions'),
    }),
    fc.record({ k: fc.constant('proxy' as const), mode: fc.constantFrom('throw', 'forward', 'revoked'), target: tie('shape') }),
    fc.record({
      k: fc.constant('array' as const),
      items: fc.array(fc.option(tie('shape'), { nil: null }), { maxLength: 6 }),
      extraLength: fc.constantFrom(0, 0, 3, 1000, 2 ** 32 - 100),
      lock: fc.constantFrom('none', 'freeze'),
    }),
    fc.record({ k: fc.constant('map' as const), entries: fc.array(fc.tuple(tie('shape'), tie('shape')), { maxLength: 4 }) }),
    fc.record({ k: fc.constant('set' as const), items: fc.array(tie('shape'), { maxLength: 4 }) }),
    fc.constant({ k: 'coercible' as const }),
    fc.record({
      k: fc.constant('typed' as const),
      kind: fc.constantFrom('Uint8Array', 'Float64Array', 'BigInt64Array', 'Buffer', 'Int16Array'),
      length: fc.constantFrom(0, 3, 100),
    }),
    fc.record({
      k: fc.constant('date' as const),
      time: fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.constant(Number.NaN)),
      trapped: fc.boolean(),
    }),
    fc.record({ k: fc.constant('regexp' as const), trapped: fc.boolean() }),
    fc.record({ k: fc.constant('error' as const), trapped: fc.boolean(), cause: fc.option(tie('shape'), { nil: null }) }),
    fc.record({ k: fc.constant('boxed' as const), kind: fc.constantFrom('Number', 'String', 'Boolean') }),
    fc.record({
      k: fc.constant('function' as const),
      kind: fc.constantFrom('plain', 'arrow', 'async', 'generator', 'class', 'bound', 'getter-name'),
    }),
    fc.record({
      k: fc.constant('exotic' as const),
      kind: fc.constantFrom('arguments', 'weakmap', 'promise', 'arraybuffer', 'dataview', 'null-proto-getter-chain'),
    }),
    fc.record({ k: fc.constant('ref' as const), index: fc.nat(20) }),
  ),
  prop: fc.record({
    key: fc.oneof(fc.constantFrom(...TEMPTING_KEYS), fc.string({ maxLength: 8 })),
    kind: fc.constantFrom('data', 'data', 'data', 'getter', 'setter', 'accessor', 'non-enumerable', 'symbol'),
    value: tie('shape'),
  }),
})).shape;

/** A built graph: its root, every object in it (as the test may inspect it without traps), and the trap log. */
export interface BuiltGraph {
  root: unknown;
  /** Objects that are safe to fingerprint directly: never a Proxy, so inspecting them fires nothing. */
  inspectable: object[];
  fired: string[];
}

export function build(s: Shape): BuiltGraph {
  const fired: string[] = [];
  const created: object[] = [];
  const inspectable: object[] = [];
  const fire = (what: string): never => {
    fired.push(what);
    throw new TrapFired(what);
  };
  const record = (what: string): void => {
    fired.push(what);
  };
  const track = <T extends object>(o: T, inspect = true): T => {
    created.push(o);
    if (inspect) inspectable.push(o);
    return o;
  };

  const trapHandler = (mode: 'throw' | 'forward'): ProxyHandler<object> => {
    const handler: ProxyHandler<object> = {};
    for (const trap of [
      'get',
      'set',
      'has',
      'ownKeys',
      'getOwnPropertyDescriptor',
      'getPrototypeOf',
      'setPrototypeOf',
      'defineProperty',
      'deleteProperty',
      'isExtensible',
      'preventExtensions',
      'apply',
      'construct',
    ] as const) {
      (handler as Record<string, unknown>)[trap] = (...args: unknown[]) => {
        if (mode === 'throw') return fire(`proxy.${trap}`);
        record(`proxy.${trap}`);
        return (Reflect[trap] as (...a: unknown[]) => unknown)(...args);
      };
    }
    return handler;
  };

  const coercionHooks = (): object => ({
    valueOf: () => fire('valueOf'),
    toString: () => fire('toString'),
    toJSON: () => fire('toJSON'),
    [Symbol.toPrimitive]: () => fire('Symbol.toPrimitive'),
    [Symbol.iterator]: () => fire('Symbol.iterator'),
    then: () => fire('then'),
  });

  /** Defines (not assigns) the hooks: some, like Date's Symbol.toPrimitive, are read-only when inherited. */
  const withHooks = <T extends object>(target: T): T => {
    const hooks = coercionHooks();
    for (const key of Reflect.ownKeys(hooks)) {
      Object.defineProperty(target, key, {
        value: (hooks as Record<PropertyKey, unknown>)[key],
        writable: true,
        configurable: true,
        enumerable: true,
      });
    }
    return target;
  };

  class Trapped {
    get computed(): never {
      return fire('class getter');
    }
    set computed(_v: unknown) {
      fire('class setter');
    }
    valueOf(): never {
      return fire('class valueOf');
    }
    toString(): never {
      return fire('class toString');
    }
  }
  class Plain {}

  const primitiveValue = (p: Primitive): unknown => {
    switch (p.p) {
      case 'number':
        return p.v;
      case 'string':
        return p.v;
      case 'boolean':
        return p.v;
      case 'null':
        return null;
      case 'undefined':
        return undefined;
      case 'bigint':
        return BigInt(p.v);
      case 'symbol':
        return Symbol(p.v);
    }
  };

  const make = (sh: Shape): unknown => {
    switch (sh.k) {
      case 'prim':
        return primitiveValue(sh.v);
      case 'ref':
        return created.length === 0 ? null : created[sh.index % created.length];
      case 'coercible':
        return track(coercionHooks());
      case 'object': {
        let proto: object | null = Object.prototype;
        if (sh.proto === 'null') proto = null;
        if (sh.proto === 'class') proto = Plain.prototype;
        if (sh.proto === 'trap-class') proto = Trapped.prototype;
        if (sh.proto === 'proxy') proto = new Proxy({}, trapHandler('throw'));
        if (sh.proto === 'getter-chain') {
          proto = Object.create(Object.create(null, { inherited: { get: () => fire('inherited getter'), enumerable: true } }), {
            constructor: { get: () => fire('constructor getter') },
          }) as object;
        }
        const o = track(Object.create(proto) as Record<PropertyKey, unknown>);
        for (const prop of sh.props) {
          const value = make(prop.value);
          switch (prop.kind) {
            // Defined, not assigned: assignment would walk to a Proxy prototype's `set` trap.
            case 'data':
              Object.defineProperty(o, prop.key, { value, enumerable: true, configurable: true, writable: true });
              break;
            case 'non-enumerable':
              Object.defineProperty(o, prop.key, { value, enumerable: false, configurable: true, writable: true });
              break;
            case 'symbol':
              Object.defineProperty(o, Symbol(prop.key), { value, enumerable: true, configurable: true, writable: true });
              break;
            case 'getter':
              Object.defineProperty(o, prop.key, { get: () => fire(`getter ${prop.key}`), enumerable: true, configurable: true });
              break;
            case 'setter':
              Object.defineProperty(o, prop.key, { set: () => fire(`setter ${prop.key}`), enumerable: true, configurable: true });
              break;
            case 'accessor':
              Object.defineProperty(o, prop.key, {
                get: () => fire(`getter ${prop.key}`),
                set: () => fire(`setter ${prop.key}`),
                enumerable: true,
                configurable: true,
              });
              break;
          }
        }
        if (sh.lock === 'freeze') Object.freeze(o);
        if (sh.lock === 'seal') Object.seal(o);
        if (sh.lock === 'preventExtensions') Object.preventExtensions(o);
        return o;
      }
      case 'proxy': {
        const target = make(sh.target);
        const t = (typeof target === 'object' && target !== null) || typeof target === 'function' ? (target as object) : track({});
        if (sh.mode === 'revoked') {
          const { proxy, revoke } = Proxy.revocable(t, trapHandler('throw'));
          revoke();
          return track(proxy, false);
        }
        return track(new Proxy(t, trapHandler(sh.mode)), false);
      }
      case 'array': {
        const a = track([] as unknown[]);
        sh.items.forEach((item, i) => {
          if (item !== null) a[i] = make(item);
        });
        if (sh.extraLength > 0) a.length = Math.min(a.length + sh.extraLength, 2 ** 32 - 1);
        if (sh.lock === 'freeze') Object.freeze(a);
        return a;
      }
      case 'map': {
        const m = track(new Map<unknown, unknown>());
        for (const [k, v] of sh.entries) m.set(make(k), make(v));
        return m;
      }
      case 'set': {
        const s2 = track(new Set<unknown>());
        for (const item of sh.items) s2.add(make(item));
        return s2;
      }
      case 'typed': {
        if (sh.kind === 'Buffer') return track(Buffer.alloc(sh.length, 7));
        if (sh.kind === 'BigInt64Array') return track(new BigInt64Array(sh.length).fill(-5n));
        const Ctor = { Uint8Array, Float64Array, Int16Array }[sh.kind];
        const t = track(new Ctor(sh.length));
        if (t instanceof Float64Array && sh.length > 1) t[1] = Number.NaN;
        return t;
      }
      case 'date': {
        const d = track(new Date(sh.time));
        if (sh.trapped) Object.assign(withHooks(d), { toISOString: () => fire('toISOString'), getTime: () => fire('getTime') });
        return d;
      }
      case 'regexp': {
        const r = track(/a+(b)?/giu);
        if (sh.trapped) {
          Object.defineProperty(r, 'global', { get: () => fire('regexp global getter') });
          Object.defineProperty(r, 'flags', { get: () => fire('regexp flags getter') });
          Object.defineProperty(r, 'source', { get: () => fire('regexp source getter') });
        }
        return r;
      }
      case 'error': {
        const e = track(new TypeError('boom')) as TypeError & Record<string, unknown>;
        // V8 formats `stack` on its first read, through the getters below: format it now, so
        // that inspecting the error later (fingerprint) fires nothing.
        void e.stack;
        if (sh.cause !== null) e.cause = make(sh.cause);
        if (sh.trapped) {
          Object.defineProperty(e, 'message', { get: () => fire('error message getter') });
          Object.defineProperty(e, 'name', { get: () => fire('error name getter') });
          e.code = 'E_TRAP';
        }
        return e;
      }
      case 'boxed': {
        const b = sh.kind === 'Number' ? new Number(5) : sh.kind === 'String' ? new String('boxed') : new Boolean(true);
        return track(withHooks(b));
      }
      case 'function': {
        switch (sh.kind) {
          case 'plain':
            return track(
              withHooks(function plain() {
                return fire('function called');
              }),
            );
          case 'arrow':
            return track(() => fire('arrow called'));
          case 'async':
            return track(async () => fire('async called'));
          case 'generator':
            return track(function* gen() {
              yield fire('generator called');
            });
          case 'class':
            return track(
              class Secretive {
                static get x(): never {
                  return fire('static getter');
                }
              },
            );
          case 'bound':
            return track(
              function target() {
                return fire('bound called');
              }.bind(null),
            );
          case 'getter-name': {
            const f = function named() {
              return fire('function called');
            };
            Object.defineProperty(f, 'name', { get: () => fire('function name getter') });
            return track(f);
          }
        }
        break;
      }
      case 'exotic': {
        switch (sh.kind) {
          case 'arguments':
            return track(
              (function (this: unknown, ..._args: unknown[]) {
                return arguments;
              })(1, 'two', { three: 3 }),
            );
          case 'weakmap':
            return track(new WeakMap([[{}, 1]]));
          case 'promise': {
            const p = Promise.resolve(1);
            Object.defineProperty(p, 'then', { get: () => fire('promise then getter') });
            return track(p);
          }
          case 'arraybuffer':
            return track(new ArrayBuffer(16));
          case 'dataview':
            return track(new DataView(new ArrayBuffer(8)));
          case 'null-proto-getter-chain': {
            const base = Object.create(null, { deep: { get: () => fire('deep getter'), enumerable: true } }) as object;
            return track(Object.create(Object.create(base) as object, { own: { value: 1, enumerable: true } }));
          }
        }
      }
    }
    return undefined;
  };

  const root = make(s);
  return { root, inspectable, fired };
}

/**
 * What an object looks like from outside, read without firing anything (proxies are never
 * passed here): its own property descriptors, prototype, extensibility, and collection contents.
 */
export function fingerprint(o: object): unknown[] {
  const out: unknown[] = [Object.getPrototypeOf(o), Object.isExtensible(o), Object.isFrozen(o)];
  for (const key of Reflect.ownKeys(o)) {
    const d = Object.getOwnPropertyDescriptor(o, key)!;
    out.push(key, d.value, d.get, d.set, d.writable, d.enumerable, d.configurable);
  }
  // `instanceof` would walk the prototype chain, which may hold a Proxy.
  if (types.isMap(o)) for (const [k, v] of Map.prototype.entries.call(o)) out.push(k, v);
  if (types.isSet(o)) for (const v of Set.prototype.values.call(o)) out.push(v);
  if (types.isTypedArray(o)) out.push(...new Uint8Array(o.buffer, o.byteOffset, o.byteLength));
  if (types.isDate(o)) out.push(Date.prototype.getTime.call(o));
  return out;
}

export function sameFingerprint(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}
