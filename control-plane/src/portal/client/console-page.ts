// Browser module for /console: the live event stream, filtered by action, agent and level,
// with pause and clear. Quota pauses, drops and status changes are shown as such.
import type { ActionList, AgentList, LiveEvent } from '@liveprobe/protocol';
import { describeReading } from '@liveprobe/protocol/metric-reading';
import { locationOf } from './action-location.js';
import { api } from './api.js';
import { byId, h, replaceContent, type Child } from './dom.js';
import { followEvents, type StreamState } from './event-stream.js';
import { startSessionBox } from './session-box.js';
import { clockTime } from './time.js';

/** Older lines are let go, so a console left open all day stays light. */
const MAX_ENTRIES = 2000;
const OPTIONS_REFRESH_MS = 10_000;

/** Something the console says itself: the connection's ups and downs, the server's notes. */
interface ConsoleNote {
  kind: 'note';
  time: string;
  tone: 'connection' | 'dropped';
  text: string;
}
type Entry = LiveEvent | ConsoleNote;

startSessionBox();
const lines = byId('console-lines', HTMLOListElement);
const scroller = byId('console', HTMLDivElement);
const placeholder = byId('console-placeholder', HTMLParagraphElement);
const actionFilter = byId('filter-action', HTMLSelectElement);
const agentFilter = byId('filter-agent', HTMLSelectElement);
const levelFilter = byId('filter-level', HTMLSelectElement);
const pauseButton = byId('pause', HTMLButtonElement);
const clearButton = byId('clear', HTMLButtonElement);
const streamState = byId('stream-state', HTMLSpanElement);
// The server rendered the levels in severity order.
const LEVELS = [...levelFilter.options].map((option) => option.value).filter((value) => value !== '');

let entries: Entry[] = [];
let paused = false;
let heldWhilePaused = 0;
let connection: StreamState = { state: 'connecting' };

for (const select of [actionFilter, agentFilter, levelFilter]) select.addEventListener('change', renderAll);
pauseButton.addEventListener('click', () => {
  paused = !paused;
  pauseButton.textContent = paused ? 'Resume' : 'Pause';
  heldWhilePaused = 0;
  if (!paused) renderAll();
  showState();
});
clearButton.addEventListener('click', () => {
  entries = [];
  heldWhilePaused = 0;
  renderAll();
  showState();
});

void refreshOptions();
setInterval(() => void refreshOptions(), OPTIONS_REFRESH_MS);

followEvents({
  onEvent: (_name, data) => add(JSON.parse(data) as LiveEvent),
  onComment: (text) => {
    // The server's other comments (connected, ping) are keep-alives, not news.
    if (/events dropped/.test(text)) add(note('dropped', text));
  },
  onState: (state) => {
    if (state.state === 'live' && connection.state !== 'live') add(note('connection', 'connected to the live stream'));
    if (state.state === 'down')
      add(
        note(
          'connection',
          `lost the live stream (${state.reason}); reconnecting in ${state.retryMs / 1000}s; events in between are not replayed`,
        ),
      );
    if (state.state === 'refused') add(note('connection', `the control plane refused the live stream: ${state.reason}`));
    connection = state;
    showState();
  },
});

function note(tone: ConsoleNote['tone'], text: string): ConsoleNote {
  return { kind: 'note', time: new Date().toISOString(), tone, text };
}

function add(entry: Entry): void {
  entries.push(entry);
  if (entries.length > MAX_ENTRIES) entries = entries.slice(-MAX_ENTRIES);
  if (paused) {
    heldWhilePaused += 1;
    showState();
    return;
  }
  if (!matches(entry)) return;
  const atBottom = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 8;
  lines.appendChild(line(entry));
  while (lines.childElementCount > MAX_ENTRIES) lines.firstElementChild?.remove();
  placeholder.hidden = true;
  if (atBottom) scroller.scrollTop = scroller.scrollHeight;
}

function renderAll(): void {
  replaceContent(lines, ...entries.filter(matches).map(line));
  placeholder.hidden = lines.childElementCount > 0;
  scroller.scrollTop = scroller.scrollHeight;
}

function matches(entry: Entry): boolean {
  if (entry.kind === 'note') return true;
  if (actionFilter.value !== '' && entry.actionId !== undefined && entry.actionId !== actionFilter.value) return false;
  if (agentFilter.value !== '' && entry.agentId !== agentFilter.value) return false;
  if (levelFilter.value !== '' && entry.kind === 'output') return LEVELS.indexOf(entry.level) >= LEVELS.indexOf(levelFilter.value);
  return true;
}

function line(entry: Entry): HTMLLIElement {
  const item = (cls: string, kind: string, ...rest: Child[]) =>
    h('li', { class: cls }, h('span', { class: 'time' }, clockTime(entry.time)), h('span', { class: 'kind' }, kind), ...rest);
  switch (entry.kind) {
    case 'note':
      return item(entry.tone, entry.tone === 'dropped' ? 'DROPPED' : '·', entry.text);
    case 'output':
      // A metric action's line says what it recorded, as `liveprobe tail` does, marked METRIC where a log line has its level.
      if (entry.metric !== undefined)
        return item(
          `output metric level-${entry.level}`,
          'METRIC',
          h('span', { class: 'where' }, `${entry.agentId} ${entry.file}:${entry.line}`),
          describeReading(entry.metric),
        );
      return item(
        `output level-${entry.level}`,
        entry.level.toUpperCase(),
        h('span', { class: 'where' }, `${entry.agentId} ${entry.file}:${entry.line}`),
        entry.message,
      );
    case 'action_status':
      if (entry.state === 'paused' || entry.state === 'resumed') {
        const what = entry.state === 'paused' ? 'paused by quota' : 'resumed after a quota pause';
        return item(
          'quota',
          'QUOTA',
          `${entry.actionId} on ${entry.agentId}: ${what}${entry.message === undefined ? '' : ` — ${entry.message}`}`,
        );
      }
      return item(
        `status${entry.state === 'error' ? ' level-error' : ''}`,
        'STATUS',
        `${entry.actionId} on ${entry.agentId}: ${entry.state}${entry.message === undefined ? '' : ` — ${entry.message}`}`,
      );
    case 'dropped':
      return item(
        'dropped',
        'DROPPED',
        `${entry.count} event${entry.count === 1 ? '' : 's'} dropped on ${entry.agentId}${entry.actionId === undefined ? '' : ` for ${entry.actionId}`}: ${entry.reason}`,
      );
    case 'snapshot':
      return item(
        'snapshot',
        'SNAPSHOT',
        h('span', { class: 'where' }, `${entry.agentId} ${entry.location.file}:${entry.location.line}`),
        `${entry.id} for ${entry.actionId}, stall ${entry.stallMs.toFixed(2)} ms${entry.truncated ? ', truncated' : ''} `,
        h('a', { href: `/snapshots/${encodeURIComponent(entry.id)}` }, 'open →'),
      );
  }
}

function showState(): void {
  if (paused) {
    streamState.className = 'state paused';
    streamState.textContent = `paused${heldWhilePaused === 0 ? '' : `: ${heldWhilePaused} new event${heldWhilePaused === 1 ? '' : 's'} held`}`;
  } else if (connection.state === 'live') {
    streamState.className = 'state live';
    streamState.textContent = 'live';
  } else if (connection.state === 'refused') {
    streamState.className = 'state down';
    streamState.textContent = 'not signed in';
  } else {
    streamState.className = `state${connection.state === 'down' ? ' down' : ''}`;
    streamState.textContent = connection.state === 'down' ? 'reconnecting…' : 'connecting…';
  }
}

/** Fills the action and agent filters from the API, keeping the user's choice even if it went away. */
async function refreshOptions(): Promise<void> {
  try {
    const [{ actions }, { agents }] = await Promise.all([api<ActionList>('GET', '/actions'), api<AgentList>('GET', '/agents')]);
    fill(
      actionFilter,
      'all actions',
      actions.map((a) => [a.id, `${a.id} (${a.type} at ${locationOf(a)})`]),
    );
    fill(
      agentFilter,
      'all agents',
      agents.map((a) => [a.agentId, `${a.agentId}${a.online ? '' : ' (offline)'}`]),
    );
  } catch {
    // The stream still works without the filter lists; the session notice explains an auth refusal.
  }
}

function fill(select: HTMLSelectElement, all: string, options: Array<[string, string]>): void {
  const chosen = select.value;
  if (chosen !== '' && !options.some(([value]) => value === chosen)) options.push([chosen, chosen]);
  replaceContent(select, h('option', { value: '' }, all), ...options.map(([value, label]) => h('option', { value }, label)));
  select.value = chosen;
}
