/**
 * A template placeholder that only reads a name and fields of it by their names (`total`,
 * `order.id`, `req?.user.name`), the most common kind. Evaluated here in one loop rather than
 * through compile.ts's closure per node: on a prepared log line, the closures, their try and
 * their step budget cost a hit more than reading the values did. Every read still makes
 * readProperty's checks (no getter, no Proxy trap) through readNamed, its keys being strings
 * fixed here and never `stack` (compile.ts keeps such a path, and any name the redaction
 * settings hide). Reading a path takes no step of the evaluation budget beyond its nodes,
 * which are too few to reach it.
 */
import type { Expr } from '@liveprobe/protocol';
import type { Redaction } from './redaction.js';
import { GLOBAL_GETTER, NOT_AVAILABLE, NOT_INITIALISED, markerReason, unboundReason } from './frame-markers.js';
import { ProbeEvalError, readNamed } from './safe-read.js';

export interface ReadPath {
  /** The root's index in the hit's values, and its name. */
  index: number;
  name: string;
  /** The built code has no variable of the root's name at the line (ArmProbe's `unbound`). */
  unbound: boolean;
  /** Each step after the root: its key, whether it is `?.`, its source and its object's (for errors). */
  keys: string[];
  optional: boolean[];
  sources: string[];
  objectSources: string[];
}

/** The path `expr` reads, or undefined when it is anything else (or a name or key the redaction hides). */
export function readPathOf(
  expr: Expr,
  roots: readonly string[],
  redaction: Redaction | undefined,
  unbound?: ReadonlySet<string>,
): ReadPath | undefined {
  const steps: Extract<Expr, { k: 'member' }>[] = [];
  let node = expr;
  while (node.k === 'member') {
    const key = node.property.k === 'lit' ? node.property.v : undefined;
    if (typeof key !== 'string' || key === 'stack' || redaction?.isSecretKey(key) === true) return undefined;
    steps.unshift(node);
    node = node.object;
  }
  if (node.k !== 'id' || redaction?.isSecretKey(node.name) === true) return undefined;
  const index = roots.indexOf(node.name);
  if (index < 0) return undefined;
  return {
    index,
    name: node.name,
    unbound: unbound?.has(node.name) === true,
    keys: steps.map((step) => (step.property as { v: string }).v),
    optional: steps.map((step) => step.optional),
    sources: steps.map((step) => step.src),
    objectSources: steps.map((step) => (step.object.k === 'member' ? step.object.src : node.name)),
  };
}

/**
 * The value `path` reads from a hit's values (with `slots`, a prepared site's pass: site-slots.ts);
 * throws a ProbeEvalError as the closures of its nodes would.
 */
export function readPath(path: ReadPath, values: readonly unknown[], slots?: Int32Array): unknown {
  let value = rootValue(values[slots === undefined ? path.index : slots[path.index]!], path.name, path.unbound);
  const { keys } = path;
  for (let s = 0; s < keys.length; s++) {
    if (value === null || value === undefined) {
      // `a?.b.c` with no `a`: the whole chain is undefined, as in JavaScript.
      if (path.optional[s]) return undefined;
      throw missingObject(path.sources[s]!, path.objectSources[s]!, value);
    }
    value = readNamed(value, keys[s]!, path.sources[s]!);
  }
  return value;
}

/**
 * A root's value as read at the hit: a marker (frame-markers.ts) says why there is none.
 * `unbound`: the built code has no variable `name` at the line (ArmProbe's `unbound`).
 */
export function rootValue(value: unknown, name: string, unbound: boolean): unknown {
  // The markers are symbols: anything else, most of all the numbers, strings and objects lines
  // read, goes straight through, in a function kept small enough for V8 to inline it into the
  // read (callgrind, scripts/hit-path-loop.mjs site-log: ~40 instructions a hit more when the
  // markers' checks were in it).
  return typeof value === 'symbol' ? symbolValue(value, name, unbound) : value;
}

/** A symbol read as a root: a marker's reason, thrown, or the app's own symbol. */
function symbolValue(value: symbol, name: string, unbound: boolean): symbol {
  if (value === NOT_INITIALISED) {
    throw new ProbeEvalError(`\`${name}\` is not initialised yet at this line: it is declared further down (a let, const or class)`);
  }
  if (value === NOT_AVAILABLE) {
    if (unbound) throw new ProbeEvalError(unboundReason(name));
    throw new ProbeEvalError(
      `\`${name}\` is not available at this line (not defined here, or not kept by V8 because the function never uses it)`,
    );
  }
  if (value === GLOBAL_GETTER) throw new ProbeEvalError(`\`${name}\` is a getter of the global object; liveprobe never runs getters`);
  const reason = markerReason(value, name, unbound);
  if (reason !== undefined) throw new ProbeEvalError(reason);
  return value;
}

/** `source` read a field of `object`, which is null or undefined. */
export function missingObject(source: string, objectSource: string, object: unknown): ProbeEvalError {
  return new ProbeEvalError(`\`${source}\`: ${objectSource} is ${String(object)}`);
}
