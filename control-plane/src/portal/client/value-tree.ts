// Browser module: a captured value as an expandable tree. Containers are <details> elements,
// so expanding needs no script; whatever the agent left out is said, never hidden. The tree's
// shape comes from @liveprobe/protocol/value-tree (mapped to a URL by the page's import map),
// which the CLI prints from too.
import type { CapturedValue } from '@liveprobe/protocol';
import { type HeadStyle, type ValueChild, valueChildren, valueHead, valueMore } from '@liveprobe/protocol/value-tree';
import { type Child, h } from './dom.js';

/** How many levels start expanded: the variable itself and its direct contents. */
const OPEN_LEVELS = 1;

const LABEL: Record<ValueChild['kind'], (label: string) => string> = {
  property: (label) => `${label}:`,
  index: (label) => `${label}:`,
  entry: (label) => `${label} =>`,
  member: () => '',
};

const styleClass = (style: HeadStyle): string => (style === 'container' ? 'kind' : style === 'marker' ? 'marker' : `t-${style}`);

export function valueTree(label: string, value: CapturedValue, level = 0): HTMLElement {
  const children = valueChildren(value);
  const more = valueMore(value);
  const head: Child[] = [label === '' ? null : h('span', { class: 'name' }, label), label === '' ? null : ' ', describe(value)];
  if (children.length === 0 && more === 0) return h('div', { class: 'leaf' }, ...head);
  const list = h('ul', {}, ...children.map((child) => h('li', {}, valueTree(LABEL[child.kind](child.label), child.value, level + 1))));
  if (more > 0) list.appendChild(h('li', { class: 'more' }, `…+${more} more`));
  return h('details', { open: level < OPEN_LEVELS }, h('summary', {}, ...head), list);
}

function describe(value: CapturedValue): HTMLElement {
  const head = valueHead(value);
  const text = h('span', { class: styleClass(head.style) }, head.text);
  return head.cut === undefined ? text : h('span', {}, text, h('span', { class: 'more' }, head.cut));
}
