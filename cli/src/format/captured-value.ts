import type { CapturedValue } from '@liveprobe/protocol';
import { type ValueChild, valueChildren, valueHeadText, valueMore } from '@liveprobe/protocol/value-tree';

const INDENT = '  ';

const LABEL: Record<ValueChild['kind'], (label: string) => string> = {
  property: (label) => `${label} = `,
  index: (label) => `${label} = `,
  entry: (label) => `${label} => `,
  member: () => '',
};

/**
 * `label` and the value as an indented tree: a scalar on one line, an object's fields,
 * an array's items and a map's entries one level deeper, and whatever the agent left out
 * said as such (`…+3 more`, `[REDACTED]`, `<not available: …>`).
 */
export function formatValueTree(label: string, value: CapturedValue, indent = ''): string[] {
  const lines = [`${indent}${label}${valueHeadText(value)}`];
  for (const child of valueChildren(value)) lines.push(...formatValueTree(LABEL[child.kind](child.label), child.value, indent + INDENT));
  const more = valueMore(value);
  if (more > 0) lines.push(`${indent}${INDENT}…+${more} more`);
  return lines;
}
