/**
 * The built-in value patterns: what each masks inside a string, with a cheap test that rules
 * most strings out before its regular expression runs.
 */
import { REDACTED_TEXT, type BuiltInPattern } from '../settings/redaction-settings.js';
import { stringCharCodeAt, stringIncludes, stringSlice } from './builtins.js';
import { charKind } from './key-words.js';

export interface Masker {
  /** A cheap test that rules most strings out before the regex runs. */
  mayMatch: (text: string, scan: Scan) => boolean;
  regex: RegExp;
  /** The replacement for one match, or undefined to leave it (a digit run failing Luhn). */
  replace: (match: RegExpExecArray) => string | undefined;
}

/** What one pass over a string tells the prefilters. */
export interface Scan {
  digits: number;
  at: boolean;
  space: boolean;
  equals: boolean;
}

/**
 * 13–19 digits starting like a real card (2–6): plain, grouped by spaces or dashes, or in groups
 * of four (Amex: 4-6-5) separated by dots.
 */
const CARD = /(?<![\d.])(?:[2-6](?:[ -]?\d){12,18}|[2-6]\d{3}(?:\.\d{4}){2,3}(?:\.\d{1,3})?|3\d{3}\.\d{6}\.\d{5})(?![\d])/g;

export const BUILT_IN: Record<Exclude<BuiltInPattern, 'url'>, () => Masker> = {
  card: () => ({
    mayMatch: (_text, scan) => scan.digits >= 13,
    regex: new RegExp(CARD.source, 'g'),
    replace: (m) => (passesLuhn(m[0]) ? REDACTED_TEXT : undefined),
  }),
  // "Basic " and eight characters at least.
  bearer: () => ({
    mayMatch: (text, scan) => scan.space && text.length >= 14,
    regex: /\b(Bearer|Basic|Token)\s+[A-Za-z0-9\-._~+/]{8,}=*/gi,
    replace: (m) => `${schemeOf(m[0])} ${REDACTED_TEXT}`,
  }),
  jwt: () => ({
    mayMatch: (text) => text.length >= 20 && stringIncludes(text, 'eyJ'),
    regex: /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
    replace: () => REDACTED_TEXT,
  }),
  email: () => ({
    mayMatch: (_text, scan) => scan.at,
    regex: /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}/g,
    replace: () => REDACTED_TEXT,
  }),
};

/**
 * Credentials in URLs and parameters: the password of `scheme://user:password@host`, and the
 * value of a `name=value` parameter (query string, form body, cookie header) whose name is a
 * secret key, as `isSecretKey` decides.
 */
export function urlMasker(isSecretKey: (name: string) => boolean): Masker {
  return {
    mayMatch: (_text, scan) => scan.at || scan.equals,
    regex: /(\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/@?#]*:)([^\s@/?#]+)(?=@)|(?<![A-Za-z0-9_.[\]-])([A-Za-z0-9_.[\]-]{1,64})=([^&;#\s"',]+)/g,
    replace: (m) => {
      if (m[1] !== undefined) return `${m[1]}${REDACTED_TEXT}`;
      return isSecretKey(m[3]!) ? `${m[3]}=${REDACTED_TEXT}` : undefined;
    },
  };
}

export function scan(text: string): Scan {
  let digits = 0;
  let at = false;
  let space = false;
  let equals = false;
  for (let i = 0; i < text.length; i++) {
    const code = stringCharCodeAt(text, i);
    if (code >= 48 && code <= 57) digits++;
    else if (code === 64) at = true;
    else if (code === 61) equals = true;
    else if (code === 32 || code === 9 || code === 10 || code === 13) space = true;
  }
  return { digits, at, space, equals };
}

/** Whether a whole number's digits are a card number (13–19 digits passing Luhn). */
export function isCardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  const first = stringCharCodeAt(digits, 0);
  return first >= 50 && first <= 54 && passesLuhn(digits);
}

function passesLuhn(candidate: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = candidate.length - 1; i >= 0; i--) {
    const code = stringCharCodeAt(candidate, i);
    if (code < 48 || code > 57) continue;
    let digit = code - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

function schemeOf(match: string): string {
  let end = 0;
  while (end < match.length && charKind(stringCharCodeAt(match, end)) !== 'other') end++;
  return stringSlice(match, 0, end);
}
