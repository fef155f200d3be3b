/**
 * How a captured value reads as a tree: each value's one-line head, its children and what the
 * agent left out. The CLI prints it as indented text, the portal as expandable elements and the
 * editor's Variables view as DAP variables, so all show the same value the same way. Free of
 * run-time imports (types only): the portal's browser modules load this file as it is compiled,
 * so the count grouping every package uses lives here too (util.ts re-exports it).
 */
import type { CapturedValue } from './captured-value.js';
import type { NamedValue } from './snapshot.js';

/** What a head shows, for styling: a scalar's type, a container's kind and size, or a marker for what was left out. */
export type HeadStyle =
  | 'undefined'
  | 'null'
  | 'boolean'
  | 'number'
  | 'bigint'
  | 'string'
  | 'symbol'
  | 'date'
  | 'regexp'
  | 'error'
  | 'container'
  | 'marker';

export interface ValueHead {
  text: string;
  style: HeadStyle;
  /** What the agent cut from a string, e.g. `…+12 more chars`. */
  cut?: string;
}

export interface ValueChild {
  /** The property name, `[index]`, a map key's head, or '' for a set's member. */
  label: string;
  /** What the label names: front ends join a property or index with `=`/`:` and a map key with `=>`. */
  kind: 'property' | 'index' | 'entry' | 'member';
  value: CapturedValue;
}

const fn = (cls: string | undefined, name: string) => `[${cls ?? 'Function'}: ${name === '' ? '(anonymous)' : name}]`;

/** The value on one line; containers show their kind and size, their contents come from valueChildren. */
export function valueHead(value: CapturedValue): ValueHead {
  switch (value.t) {
    case 'undefined':
    case 'null':
      return { text: value.t, style: value.t };
    case 'boolean':
      return { text: String(value.v), style: 'boolean' };
    case 'number':
      return { text: String(value.v), style: 'number' };
    case 'bigint':
      return { text: `${value.v}n`, style: 'bigint' };
    case 'string': {
      const cut = value.len !== undefined && value.len > value.v.length ? value.len - value.v.length : 0;
      return { text: JSON.stringify(value.v), style: 'string', ...(cut > 0 ? { cut: `…+${cut} more chars` } : {}) };
    }
    case 'symbol':
      return { text: value.v, style: 'symbol' };
    case 'function':
      return { text: fn(value.cls, value.name), style: 'container' };
    case 'object':
      return { text: `${value.cls ?? 'Object'}${value.props.length === 0 && value.more === undefined ? ' {}' : ''}`, style: 'container' };
    case 'array':
      return { text: `${value.cls ?? 'Array'}(${value.len})${value.len === 0 ? ' []' : ''}`, style: 'container' };
    case 'map':
      return { text: `Map(${value.size})`, style: 'container' };
    case 'set':
      return { text: `Set(${value.size})`, style: 'container' };
    case 'typedarray': {
      const items = [...value.items.map(String), ...(value.more === undefined ? [] : [`…+${value.more} more`])];
      return { text: `${value.cls}(${value.len}) [${items.join(', ')}]`, style: 'container' };
    }
    case 'date':
      return { text: `Date(${value.v})`, style: 'date' };
    case 'regexp':
      return { text: value.v, style: 'regexp' };
    case 'error':
      return { text: `${value.cls}: ${value.message}`, style: 'error' };
    case 'hole':
      return { text: '<empty>', style: 'marker' };
    case 'circular':
      return { text: '[Circular]', style: 'marker' };
    case 'depth':
      return { text: `[${value.cls ?? 'Object'}: depth limit]`, style: 'marker' };
    case 'getter':
      return { text: '[Getter]', style: 'marker' };
    case 'proxy':
      return { text: '[Proxy]', style: 'marker' };
    case 'redacted':
      return { text: '[REDACTED]', style: 'marker' };
    case 'unavailable':
      return { text: value.reason === undefined ? '<not available>' : `<not available: ${value.reason}>`, style: 'marker' };
    case 'truncated':
      return { text: '[Truncated: the snapshot size limit was reached]', style: 'marker' };
  }
}

/** A head as one string, a string's cut included. */
export function valueHeadText(value: CapturedValue): string {
  const head = valueHead(value);
  return head.cut === undefined ? head.text : head.text + head.cut;
}

/** An object's fields, an error's own properties, an array's items, a map's entries or a set's items. */
export function valueChildren(value: CapturedValue): ValueChild[] {
  switch (value.t) {
    case 'object':
      return value.props.map(([label, child]) => ({ label, kind: 'property', value: child }));
    case 'error':
      return (value.props ?? []).map(([label, child]) => ({ label, kind: 'property', value: child }));
    case 'array':
      return value.items.map((child, i) => ({ label: `[${i}]`, kind: 'index', value: child }));
    case 'map':
      return value.entries.map(([key, child]) => ({ label: valueHeadText(key), kind: 'entry', value: child }));
    case 'set':
      return value.items.map((child) => ({ label: '', kind: 'member', value: child }));
    default:
      return [];
  }
}

/** How many children the agent left out of a container (shown as `…+N more`). */
export function valueMore(value: CapturedValue): number {
  switch (value.t) {
    case 'object':
    case 'array':
    case 'map':
    case 'set':
      return value.more ?? 0;
    default:
      return 0;
  }
}

/**
 * A scope's variables with each reason for a missing value said once: a prepared site's module
 * scope can hold a dozen variables its function never uses, each with the same long reason
 * naming it; the later ones read `same reason as <the first>`.
 */
export function reasonsOnce(variables: readonly NamedValue[]): NamedValue[] {
  const firstWithReason = new Map<string, string>();
  return variables.map((variable) => {
    const { name, value } = variable;
    if (value.t !== 'unavailable' || value.reason === undefined) return variable;
    const reason = value.reason.replaceAll(`\`${name}\``, '`<name>`');
    const first = firstWithReason.get(reason);
    if (first !== undefined) return { name, value: { t: 'unavailable', reason: `same reason as ${first}` } };
    firstWithReason.set(reason, name);
    return variable;
  });
}

/**
 * 12000 → "12,000", without Number#toLocaleString: its first call in a process maps ~4.5 MiB of
 * ICU's locale data (the list of available locales) into the app's RSS for good. Counts are
 * whole numbers.
 */
export function grouped(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+$)/g, ',');
}

/**
 * What a viewer says under a scope whose names were not all read (ScopeCapture.leftOut): how
 * many, and how to read one. "The code here" is the function, or at a file's top level the line,
 * whose names the agent reads first. `watch` is how a watch is added where the note is shown: the CLI's
 * `` `--watch <name>` ``, the portal's and the editor's watch expression.
 */
export function leftOutNote(leftOut: number, watch: string): string {
  return `${grouped(leftOut)} more ${leftOut === 1 ? 'name' : 'names'} the code here does not use, not read: ${watch} reads one on a breakpoint (a prepared site has only what the function uses)`;
}
