// Browser module for /actions: the add form and the list of actions with each agent's status.
import type { ActionList, ActionView } from '@liveprobe/protocol';
import { editControls } from './action-edit.js';
import { wireActionForm } from './action-form.js';
import { locationOf } from './action-location.js';
import { api, ApiError } from './api.js';
import { byId, emptyRow, h, replaceContent } from './dom.js';
import { keepFresh } from './refresh.js';
import { startSessionBox } from './session-box.js';
import { relativeTime } from './time.js';

const REFRESH_MS = 3000;
const COLUMNS = 9;

startSessionBox();
const body = byId('actions', HTMLTableElement).tBodies[0] as HTMLTableSectionElement;
const refresh = keepFresh(async () => render((await api<ActionList>('GET', '/actions')).actions), REFRESH_MS);
wireActionForm(() => void refresh());

function render(actions: readonly ActionView[]): void {
  if (actions.length === 0) {
    replaceContent(body, emptyRow(COLUMNS, 'No actions yet. Add one with the form above.'));
    return;
  }
  const now = new Date();
  replaceContent(body, ...actions.map((action) => row(action, now)));
}

function row(action: ActionView, now: Date): HTMLTableRowElement {
  const hits = action.statuses.reduce((sum, status) => sum + status.hits, 0);
  const remove = h('button', { type: 'button', class: 'danger', 'data-remove': action.id }, 'Remove');
  remove.addEventListener('click', async () => {
    remove.disabled = true;
    try {
      await api('DELETE', `/actions/${encodeURIComponent(action.id)}`);
    } catch (err) {
      // Already gone (removed elsewhere) is what the user wanted.
      if (!(err instanceof ApiError && err.status === 404)) {
        remove.disabled = false;
        const state = document.getElementById('refresh-state');
        if (state !== null) state.textContent = `could not remove ${action.id}: ${err instanceof Error ? err.message : String(err)}`;
        return;
      }
    }
    await refresh();
  });
  return h(
    'tr',
    { 'data-action-id': action.id },
    h('td', { class: 'mono' }, action.id),
    h('td', {}, action.type),
    h('td', { class: 'mono location' }, locationOf(action)),
    h('td', {}, ...what(action)),
    h(
      'td',
      {},
      ...action.tags.map((tag) => h('span', { class: 'chip' }, `tag:${tag}`)),
      ...action.agents.map((id) => h('span', { class: 'chip' }, `agent:${id}`)),
    ),
    h(
      'td',
      { class: 'status' },
      h('span', { class: `badge ${action.state === 'active' ? 'ok' : 'muted'}`, 'data-state': action.state }, action.state),
      ' ',
      h('span', { class: 'summary' }, action.summary),
      h(
        'ul',
        { class: 'statuses' },
        ...action.statuses.map((status) =>
          h(
            'li',
            { class: status.state === 'error' ? 'bad' : '', 'data-agent-id': status.agentId },
            `${status.agentId}: ${status.state === 'paused' ? 'paused by quota' : status.state}`,
            status.location === undefined ? '' : ` at ${status.location.file}:${status.location.line}`,
            status.message === undefined ? '' : ` — ${status.message}`,
          ),
        ),
      ),
    ),
    h('td', { class: 'hits' }, String(hits), ` / ${action.maxHits}`),
    h('td', { title: action.expiresAt }, relativeTime(action.expiresAt, now)),
    h('td', { class: 'row-controls' }, ...editControls(action, refresh), remove),
  );
}

function what(action: ActionView): Array<HTMLElement | string> {
  const condition = action.condition === undefined ? [] : [h('div', { class: 'muted' }, 'when ', h('code', {}, action.condition))];
  if (action.type === 'log') {
    const outputs =
      action.outputs === undefined ? [] : [h('span', { class: 'chip', 'data-outputs': '' }, `→ ${action.outputs.join(', ')}`)];
    return [h('code', {}, action.template), ' ', h('span', { class: 'chip' }, action.level), ...outputs, ...condition];
  }
  if (action.type === 'exception') {
    const filters = [
      action.messagePattern === undefined ? [] : [h('span', {}, 'message ', h('code', {}, `/${action.messagePattern}/`))],
      h('span', { class: 'chip' }, `${action.ratePerMinute}/min per stack`),
      h('span', { class: 'chip' }, `${action.frames ?? 1} frame${(action.frames ?? 1) === 1 ? '' : 's'}`),
    ].flat();
    return [...filters, h('div', {}, h('a', { href: `/snapshots?action=${encodeURIComponent(action.id)}` }, 'snapshots →'))];
  }
  if (action.type === 'snapshot') {
    return [
      action.watches.length === 0
        ? 'stack and variables'
        : h('span', {}, 'watches ', ...action.watches.map((watch) => h('code', { class: 'chip' }, watch))),
      ...condition,
      h('div', {}, h('a', { href: `/snapshots?action=${encodeURIComponent(action.id)}` }, 'snapshots →')),
    ];
  }
  // A metric is named by its instrument, which is what the user looks for in the metrics backend.
  const attributes = Object.entries(action.attributes).map(([key, source]) => h('code', { class: 'chip' }, `${key}=${source}`));
  return [
    h('code', { class: 'metric-name' }, action.name),
    ' ',
    ...measures(action),
    ...(attributes.length === 0 ? [] : [h('div', {}, ...attributes)]),
    ...condition,
  ];
}

/** What a metric action records, after its name. */
function measures(action: Extract<ActionView, { name: string }>): Array<HTMLElement | string> {
  switch (action.type) {
    case 'counter':
      return [h('span', { class: 'chip' }, `+1 ${action.unit}`)];
    case 'tictoc':
      return [
        h('span', { class: 'muted' }, `until ${action.toc.file === undefined ? 'line ' : `${action.toc.file}:`}${action.toc.line}, s`),
      ];
    case 'duration':
      return [h('span', { class: 'muted' }, action.function === undefined ? 'the function around the line, s' : `${action.function}(), s`)];
    case 'metric':
      return [
        h('code', {}, `= ${action.expression}`),
        ' ',
        h('span', { class: 'chip' }, action.unit === undefined ? action.instrument : `${action.instrument} ${action.unit}`),
      ];
  }
}
