// Browser module: the "Add an action" form. It checks nothing itself: the server validates,
// and each problem it reports is shown at the field it names.
import type { CreatedAction } from '../../actions/action-service.js';
import { api, ApiError, type Issue } from './api.js';
import { byId, h, replaceContent } from './dom.js';

const FIELDS_BY_TYPE: Record<string, readonly string[]> = { log: ['template', 'level'], snapshot: ['watches'] };

export function wireActionForm(onCreated: (created: CreatedAction) => void): void {
  const form = byId('action-form', HTMLFormElement);
  const type = byId('field-type', HTMLSelectElement);
  const message = byId('form-message', HTMLParagraphElement);
  const submit = form.querySelector('button[type=submit]') as HTMLButtonElement;
  const showFieldsOfType = () => {
    for (const [owner, names] of Object.entries(FIELDS_BY_TYPE)) {
      for (const name of names) fieldBox(form, name).hidden = owner !== type.value;
    }
    const maxHits = byId('field-maxHits', HTMLInputElement);
    maxHits.placeholder = maxHits.dataset[`${type.value}Default`] ?? '';
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
      replaceContent(message, `Created ${action.id} (${action.type} at ${action.file}:${action.line}).`, ...warnings.map((w) => h('span', { class: 'warning-line' }, ` Warning: ${w}`)));
      for (const name of ['template', 'watches', 'condition']) (form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement).value = '';
      onCreated(created);
    } catch (err) {
      if (err instanceof ApiError && err.issues.length > 0) showProblems(form, message, err.issues);
      else showFormError(message, err instanceof Error ? err.message : String(err));
    } finally {
      submit.disabled = false;
    }
  });
}

/** The JSON body, from what the user typed; blank optional fields are left out so the server's defaults apply. */
function bodyOf(form: HTMLFormElement): Record<string, unknown> {
  const text = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement).value.trim();
  const list = (name: string, separator: RegExp) => text(name).split(separator).map((item) => item.trim()).filter((item) => item !== '');
  const number = (name: string) => (text(name) === '' ? undefined : Number(text(name)));
  const type = text('type');
  return {
    type,
    file: text('file'),
    line: number('line'),
    ...(type === 'log' ? { template: text('template'), level: text('level') } : { watches: list('watches', /\r?\n/) }),
    ...(text('condition') === '' ? {} : { condition: text('condition') }),
    tags: list('tags', /,/),
    agents: list('agents', /,/),
    ...(text('maxHits') === '' ? {} : { maxHits: number('maxHits') }),
    ...(text('expiresIn') === '' ? {} : { expiresIn: text('expiresIn') }),
  };
}

function fieldBox(form: HTMLFormElement, name: string): HTMLElement {
  const box = form.querySelector(`[data-field="${name}"]`);
  if (!(box instanceof HTMLElement)) throw new Error(`the form has no field ${name}`);
  return box;
}

function clearProblems(form: HTMLFormElement, message: HTMLElement): void {
  for (const box of form.querySelectorAll('.field.invalid')) box.classList.remove('invalid');
  for (const error of form.querySelectorAll('.field-error')) error.textContent = '';
  message.className = 'message';
  message.textContent = '';
}

/** `watches.1` lands at the watches field as "line 2: …"; a path no field owns goes above the button. */
function showProblems(form: HTMLFormElement, message: HTMLElement, issues: readonly Issue[]): void {
  let first: HTMLElement | undefined;
  const unplaced: string[] = [];
  for (const issue of issues) {
    const [name = '', index] = issue.path.split('.');
    const box = form.querySelector(`[data-field="${name}"]`);
    if (!(box instanceof HTMLElement) || box.hidden) {
      unplaced.push(`${issue.path}: ${issue.message}`);
      continue;
    }
    const error = box.querySelector('.field-error') as HTMLElement;
    const where = index === undefined ? '' : name === 'watches' ? `line ${Number(index) + 1}: ` : `item ${Number(index) + 1}: `;
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
