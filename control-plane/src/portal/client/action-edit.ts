// Browser module for /actions: each action's Edit dialog and its Disable/Enable button. The
// dialog lives outside the table, which is redrawn every few seconds, so an edit in progress stays.
import type { ActionView } from '@liveprobe/protocol';
import { clearProblems, showProblems } from './action-form.js';
import { api, ApiError } from './api.js';
import { h } from './dom.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** The Edit and Disable/Enable buttons of one row; `changed` redraws the list. */
export function editControls(action: ActionView, changed: () => Promise<void>): HTMLElement[] {
  const edit = h('button', { type: 'button', 'data-edit': action.id }, 'Edit');
  edit.addEventListener('click', () => openDialog(action, changed));
  const enabled = action.enabled !== false;
  const toggle = h('button', { type: 'button', 'data-toggle': action.id }, enabled ? 'Disable' : 'Enable');
  toggle.addEventListener('click', async () => {
    toggle.disabled = true;
    try {
      await api('PATCH', `/actions/${encodeURIComponent(action.id)}`, { enabled: !enabled });
    } catch (err) {
      const state = document.getElementById('refresh-state');
      if (state !== null) state.textContent = `could not change ${action.id}: ${err instanceof Error ? err.message : String(err)}`;
    }
    await changed();
  });
  // An expired action comes back by an edit of its expiry, not by enabling it.
  return action.state === 'expired' ? [edit] : [edit, toggle];
}

function field(name: string, label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h(
    'div',
    { class: 'field', 'data-field': name },
    h('label', { for: `edit-${name}` }, label),
    input,
    hint === undefined ? null : h('p', { class: 'muted' }, hint),
    h('p', { class: 'field-error' }),
  );
}

/** An exception action's filters: blank text fields take a filter away (`null`). */
function exceptionFilterFields(action: ActionView & { type: 'exception' }) {
  const errorType = h('input', { id: 'edit-errorType', value: action.errorType ?? '', class: 'mono', placeholder: 'any error class' });
  const pattern = h('input', { id: 'edit-messagePattern', value: action.messagePattern ?? '', class: 'mono', placeholder: 'any message' });
  const files = h('textarea', { id: 'edit-files', rows: 2, class: 'mono', placeholder: 'any file' }, (action.files ?? []).join('\n'));
  const rate = h('input', { id: 'edit-ratePerMinute', type: 'number', min: 1, value: action.ratePerMinute });
  const frames = h('input', { id: 'edit-frames', type: 'number', min: 1, max: 8, value: action.frames ?? 1 });
  const fields = [
    field('errorType', 'Error type', errorType, 'the class or a base class, e.g. TypeError; empty: any'),
    field('messagePattern', 'Message pattern', pattern, 'a regular expression; empty: any message'),
    field('files', 'Files', files, 'globs, one per line; empty: any file'),
    field('ratePerMinute', 'Snapshots a minute per stack', rate),
    field('frames', 'Frames captured', frames, 'from the throw site outwards, 1-8'),
  ];
  const text = (input: HTMLInputElement, was: string | undefined) => {
    const value = input.value.trim();
    return value === (was ?? '') ? undefined : value === '' ? null : value;
  };
  const changes = (): Record<string, unknown> => {
    const patch: Record<string, unknown> = {};
    const type = text(errorType, action.errorType);
    if (type !== undefined) patch.errorType = type;
    const messagePattern = text(pattern, action.messagePattern);
    if (messagePattern !== undefined) patch.messagePattern = messagePattern;
    const globs = files.value
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    if (globs.join('\n') !== (action.files ?? []).join('\n')) patch.files = globs.length === 0 ? null : globs;
    if (Number(rate.value) !== action.ratePerMinute) patch.ratePerMinute = Number(rate.value);
    if (Number(frames.value) !== (action.frames ?? 1)) patch.frames = Number(frames.value);
    return patch;
  };
  return { fields, changes };
}

function openDialog(action: ActionView, changed: () => Promise<void>): void {
  document.getElementById('edit-dialog')?.remove();
  const condition = h('input', { id: 'edit-condition', value: action.condition ?? '', class: 'mono' });
  const maxHits = h('input', { id: 'edit-maxHits', type: 'number', min: 1, value: action.maxHits });
  const expires = h('input', { id: 'edit-expiresIn', placeholder: 'unchanged; e.g. 30m, 2h' });
  const template = action.type === 'log' ? h('input', { id: 'edit-template', value: action.template, class: 'mono' }) : undefined;
  const level =
    action.type === 'log'
      ? h('select', { id: 'edit-level' }, ...LEVELS.map((l) => h('option', { value: l, selected: l === action.level }, l)))
      : undefined;
  const outputs =
    action.type === 'log'
      ? h('input', { id: 'edit-outputs', value: action.outputs?.join(', ') ?? '', placeholder: "the agent's default" })
      : undefined;
  const watches =
    action.type === 'snapshot' ? h('textarea', { id: 'edit-watches', rows: 3, class: 'mono' }, action.watches.join('\n')) : undefined;
  const filters = action.type === 'exception' ? exceptionFilterFields(action) : undefined;
  const message = h('p', { class: 'message' });
  const form = h(
    'form',
    { id: 'edit-form', novalidate: true },
    h('h2', {}, `Edit ${action.id}`),
    h('p', { class: 'muted' }, 'Its hits and history stay; agents pick up the change with the next desired state.'),
    template === undefined ? null : field('template', 'Template', template),
    level === undefined ? null : field('level', 'Level', level),
    outputs === undefined ? null : field('outputs', 'Outputs', outputs, 'otel, live, console, logger'),
    watches === undefined ? null : field('watches', 'Watch expressions', watches, 'one per line'),
    ...(filters?.fields ?? []),
    action.type === 'exception' ? null : field('condition', 'Condition', condition, 'empty: every hit'),
    field('maxHits', 'Hit limit', maxHits),
    field('expiresIn', 'Expires in', expires, 'counted from now'),
    message,
    h('button', { type: 'submit', class: 'primary' }, 'Save'),
    ' ',
    h('button', { type: 'button', value: 'cancel', 'data-cancel': '' }, 'Cancel'),
  );
  const dialog = h('dialog', { id: 'edit-dialog' }, form);
  form.querySelector('[data-cancel]')?.addEventListener('click', () => dialog.remove());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, message);
    const patch: Record<string, unknown> = {};
    const newCondition = condition.value.trim();
    if (action.type !== 'exception' && newCondition !== (action.condition ?? ''))
      patch.condition = newCondition === '' ? null : newCondition;
    if (Number(maxHits.value) !== action.maxHits) patch.maxHits = Number(maxHits.value);
    if (expires.value.trim() !== '') patch.expiresIn = expires.value.trim();
    if (template !== undefined && action.type === 'log' && template.value !== action.template) patch.template = template.value;
    if (level !== undefined && action.type === 'log' && level.value !== action.level) patch.level = level.value;
    if (outputs !== undefined && action.type === 'log') {
      const list = outputs.value
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== '');
      // Blank keeps what the action has: an action cannot go back to the agent's default by an edit.
      if (list.length > 0 && list.join(',') !== (action.outputs ?? []).join(',')) patch.outputs = list;
    }
    if (watches !== undefined && action.type === 'snapshot') {
      const lines = watches.value
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      if (lines.join('\n') !== action.watches.join('\n')) patch.watches = lines;
    }
    if (filters !== undefined) Object.assign(patch, filters.changes());
    if (Object.keys(patch).length === 0) return dialog.remove();
    try {
      await api('PATCH', `/actions/${encodeURIComponent(action.id)}`, patch);
    } catch (err) {
      if (err instanceof ApiError && err.issues.length > 0) return showProblems(form, message, err.issues);
      message.className = 'message error';
      message.textContent = err instanceof Error ? err.message : String(err);
      return;
    }
    dialog.remove();
    await changed();
  });
  document.body.append(dialog);
  dialog.showModal();
}
