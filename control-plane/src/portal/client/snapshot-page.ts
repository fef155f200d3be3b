// Browser module for /snapshots/{id}: where and when, the stack, and every captured value as a tree.
import type { NamedValue, OuterFrame, ScopeCapture, StackFrame } from '@liveprobe/protocol';
import type { SnapshotRecord } from '@liveprobe/protocol';
import { leftOutNote, reasonsOnce } from '@liveprobe/protocol/value-tree';
import { api, ApiError } from './api.js';
import { byId, h, replaceContent, type Child } from './dom.js';
import { startSessionBox } from './session-box.js';
import { relativeTime } from './time.js';
import { valueTree } from './value-tree.js';

startSessionBox();
const article = byId('snapshot', HTMLElement);
const id = article.dataset.snapshotId ?? '';

try {
  show(await api<SnapshotRecord>('GET', `/snapshots/${encodeURIComponent(id)}`));
} catch (err) {
  replaceContent(
    article,
    h('h1', {}, 'Snapshot ', h('code', {}, id)),
    h('p', { class: 'message error' }, err instanceof ApiError ? err.message : String(err)),
  );
}

function show(record: SnapshotRecord): void {
  const { snapshot } = record;
  const { location } = snapshot;
  const where = `${location.file}:${location.line}`;
  const facts: Array<[string, Child]> = [
    [
      'Location',
      h(
        'span',
        { class: 'mono', id: 'snapshot-location' },
        where,
        location.function === undefined || location.function === '' ? '' : ` in ${location.function}`,
      ),
    ],
    ['Captured', `${record.time} (${relativeTime(record.time)})`],
    ['Agent', h('span', { class: 'mono' }, record.agentId)],
    ['Action', h('a', { class: 'mono', href: `/snapshots?action=${encodeURIComponent(record.actionId)}` }, record.actionId)],
    ['Capture stall', h('span', { id: 'snapshot-stall' }, `${snapshot.stallMs.toFixed(2)} ms of the app's main thread`)],
    ['Size', `${snapshot.bytes} bytes${snapshot.truncated ? ' — truncated: a size limit cut some values short' : ''}`],
  ];
  const thrown = snapshot.exception;
  if (thrown !== undefined) {
    const error = `${thrown.type}: ${thrown.message}${thrown.rejection === true ? ' (unhandled rejection)' : ''}`;
    facts.splice(1, 0, ['Error', h('span', { class: 'mono', id: 'snapshot-error' }, error)]);
    for (const cause of thrown.causes) facts.splice(2, 0, ['Caused by', h('span', { class: 'mono' }, `${cause.type}: ${cause.message}`)]);
  }
  if (snapshot.traceId !== undefined)
    facts.push([
      'Trace',
      h('span', { class: 'mono' }, snapshot.traceId, snapshot.spanId === undefined ? '' : ` / span ${snapshot.spanId}`),
    ]);

  replaceContent(
    article,
    h('h1', {}, 'Snapshot ', h('code', {}, record.id)),
    h('div', { class: 'panel snapshot-head' }, h('dl', {}, ...facts.flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]))),
    h(
      'div',
      { class: 'snapshot-body' },
      h('section', { 'aria-labelledby': 'frames-title' }, h('h2', { id: 'frames-title' }, 'Stack'), frames(snapshot.stack)),
      h(
        'div',
        { class: 'variables tree', id: 'variables' },
        variables('Arguments', snapshot.arguments),
        variables('Locals', snapshot.locals),
        ...snapshot.scopes.map(scopeVariables),
        h(
          'section',
          { 'data-section': 'this' },
          h('h3', {}, 'this'),
          snapshot.this === undefined ? h('p', { class: 'muted' }, 'not captured') : valueTree('this', snapshot.this),
        ),
        ...(snapshot.frames ?? []).map(outerFrame),
        snapshot.watches.length === 0
          ? null
          : h(
              'section',
              { 'data-section': 'watches' },
              h('h3', {}, 'Watches'),
              ...snapshot.watches.map((watch) =>
                watch.value !== undefined
                  ? valueTree(watch.expression, watch.value)
                  : h(
                      'div',
                      { class: 'leaf' },
                      h('span', { class: 'name' }, watch.expression),
                      ' ',
                      h('span', { class: 'watch-error' }, watch.error ?? 'no value and no error reported'),
                    ),
              ),
            ),
      ),
    ),
  );
}

function frames(stack: readonly StackFrame[]): HTMLElement {
  if (stack.length === 0) return h('p', { class: 'muted' }, 'not captured');
  return h(
    'ol',
    { class: 'frames', id: 'frames' },
    ...stack.map((frame, i) =>
      h(
        'li',
        { class: i === 0 ? 'top' : '', title: i === 0 ? 'the variables shown are from this frame' : undefined },
        h('span', { class: 'fn' }, frame.function === '' ? '(anonymous)' : frame.function),
        h('span', { class: 'loc mono' }, `${frame.file}:${frame.line}:${frame.column}`),
      ),
    ),
  );
}

/** A caller of the throw site (exception snapshots): its values under its own heading. */
function outerFrame(frame: OuterFrame, i: number): HTMLElement {
  const { location } = frame;
  const name = location.function === undefined || location.function === '' ? '(anonymous)' : location.function;
  return h(
    'section',
    { 'data-section': `frame-${i + 1}`, class: 'outer-frame' },
    h('h3', {}, `Caller ${i + 1}: ${name} `, h('span', { class: 'mono muted' }, `${location.file}:${location.line}`)),
    variables('Arguments', frame.arguments),
    variables('Locals', frame.locals),
    ...(frame.scopes ?? []).map(scopeVariables),
    ...(frame.this === undefined ? [] : [valueTree('this', frame.this)]),
  );
}

/** A scope's values, and how many of its names were not read (a bundle's module scope) and how to see one. */
function scopeVariables(scope: ScopeCapture): HTMLElement {
  const section = variables(`${scope.kind} scope${scope.name === undefined ? '' : ` (${scope.name})`}`, scope.variables);
  if (scope.leftOut !== undefined) section.append(h('p', { class: 'muted' }, leftOutNote(scope.leftOut, 'a watch expression')));
  return section;
}

function variables(title: string, list: readonly NamedValue[]): HTMLElement {
  return h(
    'section',
    { 'data-section': title.toLowerCase() },
    h('h3', {}, title),
    ...(list.length === 0
      ? [h('p', { class: 'muted' }, 'none')]
      : reasonsOnce(list).map((variable) => valueTree(variable.name, variable.value))),
  );
}
