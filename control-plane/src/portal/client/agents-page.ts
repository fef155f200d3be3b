// Browser module for /agents: the agent list, filtered by tag, refreshed every few seconds.
import type { AgentList, PrepareSummary } from '@liveprobe/protocol';
import type { AgentView } from '@liveprobe/protocol';
import { api } from './api.js';
import { byId, emptyRow, h, replaceContent } from './dom.js';
import { keepFresh } from './refresh.js';
import { startSessionBox } from './session-box.js';
import { relativeTime } from './time.js';

const REFRESH_MS = 3000;
const COLUMNS = 9;

startSessionBox();
const filter = byId('tag-filter', HTMLSelectElement);
const body = byId('agents', HTMLTableElement).tBodies[0] as HTMLTableSectionElement;
let agents: AgentView[] = [];
/** Agents whose list of untouched files is open: it stays open across refreshes. */
const openUntouched = new Set<string>();
filter.value = new URLSearchParams(location.search).get('tag') ?? '';

filter.addEventListener('change', () => {
  const url = new URL(location.href);
  if (filter.value === '') url.searchParams.delete('tag');
  else url.searchParams.set('tag', filter.value);
  history.replaceState(null, '', url);
  render();
});

keepFresh(async () => {
  agents = (await api<AgentList>('GET', '/agents')).agents;
  render();
}, REFRESH_MS);

function render(): void {
  const tags = [...new Set([...agents.flatMap((agent) => agent.tags), ...(filter.value === '' ? [] : [filter.value])])].sort();
  const chosen = filter.value;
  replaceContent(
    filter,
    h('option', { value: '' }, 'all tags'),
    ...tags.map((tag) => h('option', { value: tag, selected: tag === chosen }, tag)),
  );
  filter.value = chosen;

  const shown = chosen === '' ? agents : agents.filter((agent) => agent.tags.includes(chosen));
  if (shown.length === 0) {
    const text =
      agents.length === 0
        ? 'No agent has connected yet. Start your app with: node --import @liveprobe/agent/register app.js (set LIVEPROBE_BROKER_URL and LIVEPROBE_TAGS).'
        : `No agent has the tag "${chosen}".`;
    replaceContent(body, emptyRow(COLUMNS, text));
    return;
  }
  const now = new Date();
  replaceContent(
    body,
    ...shown.map((agent) =>
      h(
        'tr',
        { 'data-agent-id': agent.agentId },
        h('td', { class: 'mono' }, agent.agentId),
        h('td', {}, h('span', { class: `badge ${agent.online ? 'ok' : 'off'}` }, agent.online ? 'online' : 'offline')),
        h('td', {}, ...agent.tags.map((tag) => h('span', { class: 'chip' }, tag))),
        h('td', {}, `${agent.runtime} ${agent.runtimeVersion}`),
        h('td', {}, agent.agentVersion),
        h('td', {}, `${agent.hostname} / ${agent.pid}`),
        h('td', { title: agent.startedAt }, relativeTime(agent.startedAt, now)),
        h('td', { title: agent.lastSeen }, relativeTime(agent.lastSeen, now)),
        preparedCell(agent.agentId, agent.prepare),
      ),
    ),
  );
}

/** Files prepared at load time; the ones left untouched, and why, and what is wrong with the patterns, one click away. */
function preparedCell(agentId: string, summary: PrepareSummary | undefined): HTMLTableCellElement {
  if (summary === undefined) return h('td', { class: 'prepared', title: 'this agent prepares no files' }, '—');
  const prepared = String(summary.transformed + summary.cached + (summary.prebuilt ?? 0));
  const title = `${summary.transformed} transformed, ${summary.cached} from the cache, ${summary.prebuilt ?? 0} prepared at build time`;
  const warnings = summary.warnings ?? [];
  if (summary.failed === 0 && warnings.length === 0) return h('td', { class: 'prepared', title }, prepared);
  const more = summary.failed - summary.failures.length;
  const details = h(
    'details',
    { open: openUntouched.has(agentId) },
    h(
      'summary',
      {},
      `${prepared} `,
      summary.failed > 0 && h('span', { class: 'badge warn' }, `${summary.failed} untouched`),
      warnings.length > 0 && h('span', { class: 'badge warn' }, warnings.length === 1 ? '1 warning' : `${warnings.length} warnings`),
    ),
    h(
      'ul',
      { class: 'statuses' },
      ...warnings.map((w) => h('li', {}, w)),
      ...summary.failures.map((f) => h('li', {}, h('span', { class: 'mono' }, f.path), `: ${f.reason}`)),
      more > 0 && h('li', {}, `… and ${more} more`),
    ),
  );
  details.addEventListener('toggle', () => {
    if (details.open) openUntouched.add(agentId);
    else openUntouched.delete(agentId);
  });
  return h('td', { class: 'prepared', title }, details);
}
