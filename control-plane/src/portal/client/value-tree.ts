// Browser module: a captured value as an expandable tree. Containers are <details> elements,
// so expanding needs no script; whatever the agent left out is said, never hidden.
import type { CapturedValue } from '@liveprobe/protocol';
import { h, type Child } from './dom.js';

/** How many levels start expanded: the variable itself and its direct contents. */
const OPEN_LEVELS = 1;

export function valueTree(label: string, value: CapturedValue, level = 0): HTMLElement {
  const children = childrenOf(value);
  const more = moreOf(value);
  const head: Child[] = [label === '' ? null : h('span', { class: 'name' }, label), label === '' ? null : ' ', describe(value)];
  if (children.length === 0 && more === 0) return h('div', { class: 'leaf' }, ...head);
  const list = h('ul', {}, ...children.map(([childLabel, child]) => h('li', {}, valueTree(childLabel, child, level + 1))));
  if (more > 0) list.appendChild(h('li', { class: 'more' }, `…+${more} more`));
  return h('details', { open: level < OPEN_LEVELS }, h('summary', {}, ...head), list);
}

function describe(value: CapturedValue): HTMLElement {
  const text = (cls: string, content: string) => h('span', { class: cls }, content);
  switch (value.t) {
    case 'undefined':
    case 'null':
      return text(`t-${value.t}`, value.t);
    case 'boolean':
      return text('t-boolean', String(value.v));
    case 'number':
      return text('t-number', String(value.v));
    case 'bigint':
      return text('t-bigint', `${value.v}n`);
    case 'string': {
      const cut = value.len !== undefined && value.len > value.v.length ? value.len - value.v.length : 0;
      return h('span', {}, text('t-string', JSON.stringify(value.v)), cut > 0 ? text('more', `…+${cut} more chars`) : null);
    }
    case 'symbol':
      return text('t-symbol', value.v);
    case 'function':
      return text('kind', `[${value.cls ?? 'Function'}: ${value.name === '' ? '(anonymous)' : value.name}]`);
    case 'object':
      return text('kind', `${value.cls ?? 'Object'}${value.props.length === 0 && value.more === undefined ? ' {}' : ''}`);
    case 'array':
      return text('kind', `${value.cls ?? 'Array'}(${value.len})${value.len === 0 ? ' []' : ''}`);
    case 'map':
      return text('kind', `Map(${value.size})`);
    case 'set':
      return text('kind', `Set(${value.size})`);
    case 'typedarray':
      return text(
        'kind',
        `${value.cls}(${value.len}) [${[...value.items.map(String), ...(value.more === undefined ? [] : [`…+${value.more} more`])].join(', ')}]`,
      );
    case 'date':
      return text('t-date', `Date(${value.v})`);
    case 'regexp':
      return text('t-regexp', value.v);
    case 'error':
      return text('t-error', `${value.cls}: ${value.message}`);
    case 'hole':
      return text('marker', '<empty>');
    case 'circular':
      return text('marker', '[Circular]');
    case 'depth':
      return text('marker', `[${value.cls ?? 'Object'}: depth limit]`);
    case 'getter':
      return text('marker', '[Getter]');
    case 'proxy':
      return text('marker', '[Proxy]');
    case 'redacted':
      return text('marker', '[Redacted]');
    case 'unavailable':
      return text('marker', value.reason === undefined ? '<not available>' : `<not available: ${value.reason}>`);
    case 'truncated':
      return text('marker', '[Truncated: the snapshot size limit was reached]');
  }
}

function childrenOf(value: CapturedValue): Array<[string, CapturedValue]> {
  switch (value.t) {
    case 'object':
      return value.props.map(([key, child]) => [`${key}:`, child]);
    case 'error':
      return (value.props ?? []).map(([key, child]) => [`${key}:`, child]);
    case 'array':
      return value.items.map((child, i) => [`[${i}]:`, child]);
    case 'map':
      return value.entries.map(([key, child]) => [`${describe(key).textContent ?? ''} =>`, child]);
    case 'set':
      return value.items.map((child) => ['', child]);
    default:
      return [];
  }
}

function moreOf(value: CapturedValue): number {
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
