/**
 * The control plane checks a request body and names the fields at fault (`watches.0`,
 * `expiresIn`), but the user typed something else: a CLI option, a breakpoint's log message in
 * an editor, a prompt's answer. Each front end says what sets each field, so a refused body is
 * reported in the user's words, with the value they typed.
 */
import { ApiError, InvalidOptionsError } from './errors.js';

/** Body field → what sets it, in the user's words: an option (`--watch`), an argument (`<template>`), an editor's field (`log message`). */
export type FieldTerms = Readonly<Record<string, string>>;

/**
 * Sends a request whose body was built from what `fields` names; an invalid body fails naming
 * those (and, with `withFields`, the body fields too, as the API reference does).
 */
export async function inUserTerms<T>(request: Promise<T>, body: object, fields: FieldTerms, withFields: boolean | undefined): Promise<T> {
  try {
    return await request;
  } catch (err) {
    if (!(err instanceof ApiError) || err.issues.length === 0) throw err;
    throw new InvalidOptionsError(
      err,
      err.issues.map((issue) => ({ ...issue, ...settingOption(issue.path, body, fields) })),
      withFields === true,
    );
  }
}

/** `--watch` and `--watch "a..b"`: the option that set the field at `path`, and it with the value given; nothing for a field no option sets. */
function settingOption(path: string, body: object, fields: FieldTerms): { option?: string; typed?: string } {
  const option = fields[path.split('.')[0] ?? ''];
  return option === undefined ? {} : { option, typed: typedAs(option, path, body) };
}

/** `--watch "a..b"`, `--attr tier=a..`, `--tag`: the option and the value given for the field at `path`. */
function typedAs(option: string, path: string, body: object): string {
  const [field = '', ...rest] = path.split('.');
  const whole = (body as Record<string, unknown>)[field];
  const key = rest.join('.');
  // An array's item (`watches.0`) or a record's entry (`attributes.tier`, whose key may hold dots).
  const value = key === '' ? whole : typeof whole === 'object' && whole !== null ? (whole as Record<string, unknown>)[key] : undefined;
  // Quoted as typed, not escaped: the user finds their own text.
  if (field === 'attributes' && typeof value === 'string') return `${option} "${key}=${value}"`;
  if (typeof value === 'string') return `${option} "${value}"`;
  return typeof value === 'number' ? `${option} ${value}` : option;
}
