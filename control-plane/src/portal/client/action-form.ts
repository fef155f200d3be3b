// Browser module: the "Add an action" form. It checks nothing itself: the server validates,
// and each problem it reports is shown at the field it names.
import type { CreatedAction } from '@liveprobe/protocol';
import { locationOf } from './action-location.js';
import { agentAnswers } from './agent-answers.js';
import { api, ApiError, type Issue } from './api.js';
import { byId, h, replaceContent } from './dom.js';

/** Fields that say what to do rather than where: emptied after a success, as the next action usually differs there. */
const WHAT_FIELDS = [
  'template',
  'outputs',
  'watches',
  'condition',
  'name',
  'function',
  'expression',
  'toc.line',
  'attributes',
  'description',
  'errorType',
  'messagePattern',
  'files',
];
/** Inputs whose placeholder shows the server's default for the chosen type (`data-<type>-default`). */
const DEFAULTED_FIELDS = ['maxHits', 'unit'];

export function wireActionForm(onCreated: (created: CreatedAction) => void): void {
  const form = byId('action-form', HTMLFormElement);
  const type = byId('field-type', HTMLSelectElement);
  const message = byId('form-message', HTMLParagraphElement);
  const submit = form.querySelector('button[type=submit]') as HTMLButtonElement;
  // The page marks each type-specific field with the types it belongs to (`data-types`).
  const showFieldsOfType = () => {
    for (const box of form.querySelectorAll<HTMLElement>('[data-types]'))
      box.hidden = !(box.dataset.types ?? '').split(' ').includes(type.value);
    for (const name of DEFAULTED_FIELDS) {
      const input = form.elements.namedItem(name) as HTMLInputElement;
      input.placeholder = input.dataset[`${type.value}Default`] ?? '';
    }
  };
  type.addEventListener('change', showFieldsOfType);
  showFieldsOfType();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, message);
    submit.disabled = true;
    try {
      const created = await api<CreatedAction>('POST', '/actions', bodyOf(form));
      const { action, warnings } = created;
      message.className = `message ${warnings.length === 0 ? 'success' : 'warning'}`;
      replaceContent(
        message,
        `Created ${action.id} (${action.type} at ${locationOf(action)}).`,
        ...warnings.map((w) => h('span', { class: 'warning-line' }, ` Warning: ${w}`)),
      );
      for (const name of WHAT_FIELDS) (form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement).value = '';
      onCreated(created);
      for (const line of await agentAnswers(action).catch(() => [])) message.append(h('span', { class: 'agent-answer' }, line));
    } catch (err) {
      if (err instanceof ApiError && err.issues.length > 0) showProblems(form, message, err.issues);
      else showFormError(message, err instanceof Error ? err.message : String(err));
    } finally {
      submit.disabled = false;
    }
  });
}

/**
 * The JSON body, from what the user typed, with only the chosen type's fields; blank optional
 * fields are left out so the server's defaults apply.
 */
function bodyOf(form: HTMLFormElement): Record<string, unknown> {
  const text = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement).value.trim();
  const list = (name: string, separator: RegExp) =>
    text(name)
      .split(separator)
      .map((item) => item.trim())
      .filter((item) => item !== '');
  const number = (name: string) => (text(name) === '' ? undefined : Number(text(name)));
  const optional = (name: string, key = name) => (text(name) === '' ? {} : { [key]: text(name) });
  const type = text('type');
  const metric = { name: text('name'), attributes: attributesOf(list('attributes', /\r?\n/)), ...optional('description') };
  const what: Record<string, Record<string, unknown>> = {
    log: { template: text('template'), level: text('level'), ...(text('outputs') === '' ? {} : { outputs: list('outputs', /,/) }) },
    snapshot: { watches: list('watches', /\r?\n/) },
    counter: { ...metric, ...optional('unit') },
    tictoc: { ...metric, toc: { ...optional('toc.file', 'file'), line: number('toc.line') } },
    duration: { ...metric, ...optional('function') },
    metric: { ...metric, expression: text('expression'), instrument: text('instrument'), ...optional('unit') },
    exception: {
      ...optional('errorType'),
      ...optional('messagePattern'),
      ...(text('files') === '' ? {} : { files: list('files', /\r?\n/) }),
      ...(text('ratePerMinute') === '' ? {} : { ratePerMinute: number('ratePerMinute') }),
      ...(text('frames') === '' ? {} : { frames: number('frames') }),
    },
  };
  // An exception action has no line and no condition: it is where errors are thrown, filtered by its own fields.
  const where = type === 'exception' ? {} : { file: text('file'), line: number('line'), ...optional('condition') };
  return {
    type,
    ...where,
    ...what[type],
    tags: list('tags', /,/),
    agents: list('agents', /,/),
    ...(text('maxHits') === '' ? {} : { maxHits: number('maxHits') }),
    ...(text('expiresIn') === '' ? {} : { expiresIn: text('expiresIn') }),
  };
}

/**
 * `tier = user.tier` lines to `{tier: 'user.tier'}`. A line without `=` becomes a key with an empty
 * expression, so the server's complaint lands at that attribute instead of the line vanishing.
 */
function attributesOf(lines: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    lines.map((line) => {
      const at = line.indexOf('=');
      return at === -1 ? [line, ''] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
    }),
  );
}

/** The field an issue's path names, with what is left of the path: `attributes.user.tier` → attributes, `user.tier`. */
function fieldOf(form: HTMLFormElement, path: string): { box: HTMLElement; name: string; rest: string } | undefined {
  const parts = path.split('.');
  for (let length = parts.length; length > 0; length--) {
    const name = parts.slice(0, length).join('.');
    const box = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (box instanceof HTMLElement && !box.hidden) return { box, name, rest: parts.slice(length).join('.') };
  }
  return undefined;
}

export function clearProblems(form: HTMLFormElement, message: HTMLElement): void {
  for (const box of form.querySelectorAll('.field.invalid')) box.classList.remove('invalid');
  for (const error of form.querySelectorAll('.field-error')) error.textContent = '';
  message.className = 'message';
  message.textContent = '';
}

/**
 * `toc.line` lands at its own field; `watches.1` at the watches field as "line 2: …" and
 * `attributes.tier` at the attributes field as "tier: …"; a path no field owns goes above the button.
 */
export function showProblems(form: HTMLFormElement, message: HTMLElement, issues: readonly Issue[]): void {
  let first: HTMLElement | undefined;
  const unplaced: string[] = [];
  for (const issue of issues) {
    const field = fieldOf(form, issue.path);
    if (field === undefined) {
      unplaced.push(`${issue.path}: ${issue.message}`);
      continue;
    }
    const { box, name, rest } = field;
    const error = box.querySelector('.field-error') as HTMLElement;
    const where =
      rest === ''
        ? ''
        : name === 'attributes'
          ? `${rest}: `
          : name === 'watches'
            ? `line ${Number(rest) + 1}: `
            : `item ${Number(rest) + 1}: `;
    error.textContent = `${error.textContent === '' ? '' : `${error.textContent}\n`}${where}${issue.message}`;
    box.classList.add('invalid');
    first ??= box;
  }
  if (unplaced.length > 0) showFormError(message, unplaced.join('; '));
  first?.querySelector<HTMLElement>('input, textarea, select')?.focus();
}

function showFormError(message: HTMLElement, text: string): void {
  message.className = 'message error';
  message.textContent = text;
}
