import type { CapturedValue } from '@liveprobe/protocol';

const INDENT = '  ';

/**
 * `label` and the value as an indented tree: a scalar on one line, an object's fields,
 * an array's items and a map's entries one level deeper, and whatever the agent left out
 * said as such (`…+3 more`, `[Redacted]`, `<not available: …>`).
 */
export function formatValueTree(label: string, value: CapturedValue, indent = ''): string[] {
  const lines = [`${indent}${label}${describeValue(value)}`];
  for (const [childLabel, child] of childrenOf(value)) lines.push(...formatValueTree(childLabel, child, indent + INDENT));
  const more = moreOf(value);
  if (more > 0) lines.push(`${indent}${INDENT}…+${more} more`);
  return lines;
}

/** The value on one line; containers show their kind and size, their contents come from childrenOf. */
export function describeValue(value: CapturedValue): string {
  switch (value.t) {
    case 'undefined':
    case 'null':
      return value.t;
    case 'boolean':
      return String(value.v);
    case 'number':
      return String(value.v);
    case 'bigint':
      return `${value.v}n`;
    case 'string':
      return JSON.stringify(value.v) + (value.len !== undefined && value.len > value.v.length ? `…+${value.len - value.v.length} more chars` : '');
    case 'symbol':
      return value.v;
    case 'function':
      return `[${value.cls ?? 'Function'}: ${value.name === '' ? '(anonymous)' : value.name}]`;
    case 'object':
      return `${value.cls ?? 'Object'}${value.props.length === 0 && value.more === undefined ? ' {}' : ''}`;
    case 'array':
      return `${value.cls ?? 'Array'}(${value.len})${value.len === 0 ? ' []' : ''}`;
    case 'map':
      return `Map(${value.size})`;
    case 'set':
      return `Set(${value.size})`;
    case 'typedarray':
      return `${value.cls}(${value.len}) [${[...value.items.map(String), ...(value.more === undefined ? [] : [`…+${value.more} more`])].join(', ')}]`;
    case 'date':
      return `Date(${value.v})`;
    case 'regexp':
      return value.v;
    case 'error':
      return `${value.cls}: ${value.message}`;
    case 'hole':
      return '<empty>';
    case 'circular':
      return '[Circular]';
    case 'depth':
      return `[${value.cls ?? 'Object'}: depth limit]`;
    case 'getter':
      return '[Getter]';
    case 'proxy':
      return '[Proxy]';
    case 'redacted':
      return '[Redacted]';
    case 'unavailable':
      return value.reason === undefined ? '<not available>' : `<not available: ${value.reason}>`;
    case 'truncated':
      return '[Truncated: the snapshot size limit was reached]';
  }
}

export function childrenOf(value: CapturedValue): Array<[string, CapturedValue]> {
  switch (value.t) {
    case 'object':
      return value.props.map(([key, child]) => [`${key} = `, child]);
    case 'error':
      return (value.props ?? []).map(([key, child]) => [`${key} = `, child]);
    case 'array':
      return value.items.map((child, i) => [`[${i}] = `, child]);
    case 'map':
      return value.entries.map(([key, child]) => [`${describeValue(key)} => `, child]);
    case 'set':
      return value.items.map((child) => ['', child]);
    default:
      return [];
  }
}

export function moreOf(value: CapturedValue): number {
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
