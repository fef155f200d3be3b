/**
 * The control plane checks a request body and names the fields at fault (`watches.0`,
 * `expiresIn`), but the user typed options. Each command says which option or argument sets
 * each field, so a refused body is reported in the user's words, with the value they typed.
 */
import { ApiError, InvalidOptionsError } from '../errors.js';

/** Body field → the option (`--watch`) or argument (`<template>`) that sets it. */
export type FieldOptions = Readonly<Record<string, string>>;

/** The fields of every action type, as `<type> add` and `actions edit` set them. */
export const ACTION_FIELD_OPTIONS: FieldOptions = {
  file: '<file:line>',
  line: '<file:line>',
  template: '<template>',
  expression: '<expr>',
  tags: '--tag',
  agents: '--agent',
  condition: '--condition',
  maxHits: '--max-hits',
  expiresIn: '--expires',
  lineText: '--line-text',
  ratePerSecond: '--rate',
  ratePerMinute: '--rate',
  level: '--level',
  outputs: '--output',
  watches: '--watch',
  name: '--name',
  description: '--description',
  attributes: '--attr',
  unit: '--unit',
  errorType: '--type',
  messagePattern: '--message',
  files: '--file',
  frames: '--frames',
};

/**
 * Sends a request whose body the command built from `fields`; an invalid body fails naming the
 * options (and, with `--json`, the body fields too).
 */
export async function inOptionTerms<T>(request: Promise<T>, body: object, fields: FieldOptions, json: boolean | undefined): Promise<T> {
  try {
    return await request;
  } catch (err) {
    if (!(err instanceof ApiError) || err.issues.length === 0) throw err;
    throw new InvalidOptionsError(
      err,
      err.issues.map((issue) => ({ ...issue, typed: typedAs(issue.path, body, fields) })),
      json === true,
    );
  }
}

/** `--watch "a..b"`, `--attr tier=a..`, `--tag`: the option and the value given for the field at `path`. */
function typedAs(path: string, body: object, fields: FieldOptions): string | undefined {
  const [field = '', ...rest] = path.split('.');
  const option = fields[field];
  if (option === undefined) return undefined;
  const whole = (body as Record<string, unknown>)[field];
  const key = rest.join('.');
  // An array's item (`watches.0`) or a record's entry (`attributes.tier`, whose key may hold dots).
  const value = key === '' ? whole : typeof whole === 'object' && whole !== null ? (whole as Record<string, unknown>)[key] : undefined;
  // Quoted as typed, not escaped: the user finds their own text.
  if (field === 'attributes' && typeof value === 'string') return `${option} "${key}=${value}"`;
  if (typeof value === 'string') return `${option} "${value}"`;
  return typeof value === 'number' ? `${option} ${value}` : option;
}
