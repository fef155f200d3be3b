/**
 * PII redaction on the main thread: key names whose values are never shown, and value
 * patterns masked inside strings. Settings come from the agent's own configuration (via the
 * worker's `init` message); nothing the control plane sends can change them.
 */
import { REDACTED_TEXT, type RedactionSettings } from '../settings/redaction-settings.js';
import { isDataDescriptor, mapClear, mapGet, mapSet, mapSize, regexpExec, setHas, stringSlice } from './builtins.js';
import { containsRun, words } from './key-words.js';
import { BUILT_IN, isCardNumber, scan, urlMasker, type Masker } from './redaction-patterns.js';

/** Keys seen so far and whether they are secret; keys repeat, so this keeps redaction cheap. */
const KEY_CACHE_LIMIT = 4096;

const always = (): boolean => true;
const { getOwnPropertyDescriptor } = Object;

export class Redaction {
  private readonly keyWords: string[][];
  private readonly joinedKeys: Set<string>;
  private readonly exactKeys: ReadonlySet<string>;
  private readonly maskers: Masker[];
  private readonly cards: boolean;
  private readonly cache = new Map<string, boolean>();

  constructor(settings: RedactionSettings) {
    this.keyWords = settings.keys.map(words).filter((w) => w.length > 0);
    this.joinedKeys = new Set(this.keyWords.map((w) => w.join('')));
    this.exactKeys = new Set(settings.exactKeys);
    this.cards = settings.patterns.includes('card');
    this.maskers = [
      ...settings.patterns.map((name) => (name === 'url' ? urlMasker((key) => this.isSecretKey(key)) : BUILT_IN[name]())),
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

  /** True when a number (or bigint) shown as digits would be a card number the `card` pattern hides. */
  hidesNumber(value: number | bigint): boolean {
    if (!this.cards) return false;
    if (typeof value === 'number' && !(value >= 1e12 && value < 1e19 && value === Math.floor(value))) return false;
    if (typeof value === 'bigint' && !(value >= 1_000_000_000_000n && value < 10_000_000_000_000_000_000n)) return false;
    return isCardNumber(`${value}`);
  }

  /**
   * True for the value half of a flat name/value list, such as Node's `req.rawHeaders`
   * (`['Cookie', 'sid=…', 'Authorization', 'Bearer …']`): an odd index of an even-length array
   * whose item before it is a string naming a secret.
   */
  hidesPairedItem(array: readonly unknown[], index: number): boolean {
    if ((index & 1) === 0 || (array.length & 1) === 1) return false;
    const name = getOwnPropertyDescriptor(array, index - 1);
    return (
      name !== undefined &&
      isDataDescriptor(name) &&
      typeof name.value === 'string' &&
      name.value.length <= 64 &&
      this.isSecretKey(name.value)
    );
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

function mask(text: string, masker: Masker): string {
  const { regex, replace } = masker;
  regex.lastIndex = 0;
  let out = '';
  let from = 0;
  for (let m = regexpExec(regex, text); m !== null; m = regexpExec(regex, text)) {
    const found = m[0];
    const replacement = replace(m);
    if (replacement !== undefined) {
      out += stringSlice(text, from, m.index) + replacement;
      from = m.index + found.length;
    }
    if (found.length === 0) regex.lastIndex++;
  }
  return from === 0 ? text : out + stringSlice(text, from);
}
