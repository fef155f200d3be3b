// Browser module for /snapshots: the stored snapshots, newest first, filtered by action.
import type { ActionList, SnapshotList, SnapshotSummary } from '@liveprobe/protocol';
import { api } from './api.js';
import { locationOf } from './action-location.js';
import { byId, emptyRow, h, replaceContent } from './dom.js';
import { keepFresh } from './refresh.js';
import { startSessionBox } from './session-box.js';
import { clockTime, relativeTime } from './time.js';

const REFRESH_MS = 5000;
const COLUMNS = 7;

startSessionBox();
const filter = byId('filter-action', HTMLSelectElement);
const body = byId('snapshots', HTMLTableElement).tBodies[0] as HTMLTableSectionElement;
const chosen = new URLSearchParams(location.search).get('action') ?? '';
const refresh = keepFresh(load, REFRESH_MS);

filter.addEventListener('change', () => {
  const url = new URL(location.href);
  if (filter.value === '') url.searchParams.delete('action');
  else url.searchParams.set('action', filter.value);
  history.replaceState(null, '', url);
  void refresh();
});

async function load(): Promise<void> {
  const selected = filter.value === '' ? chosen : filter.value;
  const [{ actions }, { snapshots }] = await Promise.all([
    api<ActionList>('GET', '/actions'),
    api<SnapshotList>('GET', '/snapshots', undefined, { action: selected, limit: '200' }),
  ]);
  const options = actions
    .filter((a) => a.type === 'snapshot' || a.type === 'exception')
    .map((a) => [a.id, `${a.id} (${locationOf(a)})`] as const);
  replaceContent(
    filter,
    h('option', { value: '' }, 'all actions'),
    ...options.map(([id, label]) => h('option', { value: id }, label)),
    selected !== '' && !options.some(([id]) => id === selected) ? h('option', { value: selected }, selected) : null,
  );
  filter.value = selected;
  render(snapshots, selected);
}

function render(snapshots: readonly SnapshotSummary[], action: string): void {
  if (snapshots.length === 0) {
    replaceContent(
      body,
      emptyRow(
        COLUMNS,
        action === ''
          ? 'No snapshots yet. Add a snapshot action on the Actions page.'
          : `No snapshots of ${action} yet: one appears each time an agent runs its line.`,
      ),
    );
    return;
  }
  const now = new Date();
  replaceContent(
    body,
    ...snapshots.map((s) =>
      h(
        'tr',
        { 'data-snapshot-id': s.id },
        h('td', { class: 'mono' }, h('a', { href: `/snapshots/${encodeURIComponent(s.id)}` }, s.id)),
        h('td', { title: s.time }, `${clockTime(s.time)} (${relativeTime(s.time, now)})`),
        h('td', { class: 'mono' }, s.actionId),
        h('td', { class: 'mono' }, s.agentId),
        h(
          'td',
          { class: 'mono' },
          `${s.location.file}:${s.location.line}`,
          s.location.function === undefined || s.location.function === '' ? '' : ` in ${s.location.function}`,
        ),
        h('td', {}, `${s.stallMs.toFixed(2)} ms`),
        h('td', {}, s.truncated ? h('span', { class: 'badge warn' }, 'truncated') : 'no'),
      ),
    ),
  );
}
