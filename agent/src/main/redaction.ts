/**
 * PII redaction on the main thread: key names whose values are never shown, and value
 * patterns masked inside strings. Settings come from the agent's own configuration (via the
 * worker's `init` message); nothing the control plane sends can change them.
 */
import { REDACTED_TEXT, type BuiltInPattern, type RedactionSettings } from '../settings/redaction-settings.js';
import {
  mapClear,
  mapGet,
  mapSet,
  mapSize,
  regexpExec,
  setHas,
  stringCharCodeAt,
  stringIncludes,
  stringSlice,
  stringToLowerCase,
} from './builtins.js';

/** Keys seen so far and whether they are secret; keys repeat, so this keeps redaction cheap. */
const KEY_CACHE_LIMIT = 4096;

interface Masker {
  /** A cheap test that rules most strings out before the regex runs. */
  mayMatch: (text: string, scan: Scan) => boolean;
  regex: RegExp;
  /** The replacement for one match, or undefined to leave it (a digit run failing Luhn). */
  replace: (match: string) => string | undefined;
}

/** What one pass over a string tells the prefilters. */
interface Scan {
  digits: number;
  at: boolean;
  space: boolean;
}

const always = (): boolean => true;

const BUILT_IN: Record<BuiltInPattern, () => Masker> = {
  // 13–19 digits, optionally grouped by spaces or dashes, starting like a real card (2–6).
  card: () => ({
    mayMatch: (_text, scan) => scan.digits >= 13,
    regex: /(?<![\d])[2-6](?:[ -]?\d){12,18}(?![\d])/g,
    replace: (m) => (passesLuhn(m) ? REDACTED_TEXT : undefined),
  }),
  // "Basic " and eight characters at least.
  bearer: () => ({
    mayMatch: (text, scan) => scan.space && text.length >= 14,
    regex: /\b(Bearer|Basic|Token)\s+[A-Za-z0-9\-._~+/]{8,}=*/gi,
    replace: (m) => `${schemeOf(m)} ${REDACTED_TEXT}`,
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

function scan(text: string): Scan {
  let digits = 0;
  let at = false;
  let space = false;
  for (let i = 0; i < text.length; i++) {
    const code = stringCharCodeAt(text, i);
    if (code >= 48 && code <= 57) digits++;
    else if (code === 64) at = true;
    else if (code === 32 || code === 9 || code === 10 || code === 13) space = true;
  }
  return { digits, at, space };
}

export class Redaction {
  private readonly keyWords: string[][];
  private readonly joinedKeys: Set<string>;
  private readonly exactKeys: ReadonlySet<string>;
  private readonly maskers: Masker[];
  private readonly cache = new Map<string, boolean>();

  constructor(settings: RedactionSettings) {
    this.keyWords = settings.keys.map(words).filter((w) => w.length > 0);
    this.joinedKeys = new Set(this.keyWords.map((w) => w.join('')));
    this.exactKeys = new Set(settings.exactKeys);
    this.maskers = [
      ...settings.patterns.map((name) => BUILT_IN[name]()),
      ...settings.regexes.map((source) => ({ mayMatch: always, regex: new RegExp(source, 'gi'), replace: () => REDACTED_TEXT })),
    ];
  }

  /** True when a property or variable of this name must never be shown. */
  isSecretKey(key: string): boolean {
    const cached = mapGet(this.cache, key);
    if (cached !== undefined) return cached;
    const secret = this.matchesKey(key);
    if (mapSize(this.cache) >= KEY_CACHE_LIMIT) mapClear(this.cache);
    mapSet(this.cache, key, secret);
    return secret;
  }

  /** `text` with every configured value pattern replaced by `[REDACTED]`. */
  scrub(text: string): string {
    const facts = scan(text);
    let out = text;
    for (const masker of this.maskers) if (masker.mayMatch(out, facts)) out = mask(out, masker);
    return out;
  }

  private matchesKey(key: string): boolean {
    if (setHas(this.exactKeys, key)) return true;
    const parts = words(key);
    if (setHas(this.joinedKeys, parts.join(''))) return true;
    for (const part of parts) if (setHas(this.joinedKeys, part)) return true;
    for (const entry of this.keyWords) if (containsRun(parts, entry)) return true;
    return false;
  }
}

/** `apiKey`, `API_KEY`, `x-api-key` → ['api', 'key'] (with the `x` in front for the last). */
function words(key: string): string[] {
  const out: string[] = [];
  let word = '';
  const flush = (): void => {
    if (word !== '') out[out.length] = stringToLowerCase(word);
    word = '';
  };
  for (let i = 0; i < key.length; i++) {
    const kind = charKind(stringCharCodeAt(key, i));
    if (kind === 'other') {
      flush();
      continue;
    }
    const previous = i > 0 ? charKind(stringCharCodeAt(key, i - 1)) : 'other';
    const next = i + 1 < key.length ? charKind(stringCharCodeAt(key, i + 1)) : 'other';
    // A word starts at `aB` (camelCase) and at the last capital of `APIKey`.
    if (kind === 'upper' && (previous === 'lower' || previous === 'digit' || (previous === 'upper' && next === 'lower'))) flush();
    word += key[i];
  }
  flush();
  return out;
}

function charKind(code: number): 'lower' | 'upper' | 'digit' | 'other' {
  if (code >= 97 && code <= 122) return 'lower';
  if (code >= 65 && code <= 90) return 'upper';
  if (code >= 48 && code <= 57) return 'digit';
  // Non-ASCII letters stay inside words; only ASCII punctuation and spaces separate them.
  return code > 127 ? 'lower' : 'other';
}

function containsRun(parts: string[], run: string[]): boolean {
  outer: for (let i = 0; i + run.length <= parts.length; i++) {
    for (let j = 0; j < run.length; j++) if (parts[i + j] !== run[j]) continue outer;
    return true;
  }
  return false;
}

function mask(text: string, masker: Masker): string {
  const { regex, replace } = masker;
  regex.lastIndex = 0;
  let out = '';
  let from = 0;
  for (let m = regexpExec(regex, text); m !== null; m = regexpExec(regex, text)) {
    const found = m[0];
    const replacement = replace(found);
    if (replacement !== undefined) {
      out += stringSlice(text, from, m.index) + replacement;
      from = m.index + found.length;
    }
    if (found.length === 0) regex.lastIndex++;
  }
  return from === 0 ? text : out + stringSlice(text, from);
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
