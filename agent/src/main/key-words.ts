/**
 * Key names as words, for matching secret names whatever their case, separators or number:
 * `apiKeys`, `API_KEY`, `x-api-key` and `Api-Key2` are all the words `api key`. Both the
 * configured names and the names seen in values go through the same steps, so a configured
 * `credential` hides `credentials` and `userCredential`.
 */
import { stringCharCodeAt, stringSlice, stringToLowerCase } from './builtins.js';

/** `apiKey`, `API_KEY`, `x-api-key` → ['api', 'key'] (with the `x` in front for the last). */
export function words(key: string): string[] {
  const out: string[] = [];
  let word = '';
  const flush = (): void => {
    if (word !== '') out[out.length] = stem(stringToLowerCase(word));
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

/**
 * One form per word: trailing digits and a plural `s` dropped (`passwords`, `tokens2` →
 * `password`, `token`), so lists and numbered copies of a secret are hidden like the secret.
 */
function stem(word: string): string {
  let end = word.length;
  while (end > 1 && charKind(stringCharCodeAt(word, end - 1)) === 'digit') end--;
  if (end > 3 && stringCharCodeAt(word, end - 1) === 115 /* s */ && stringCharCodeAt(word, end - 2) !== 115) end--;
  return end === word.length ? word : stringSlice(word, 0, end);
}

export function charKind(code: number): 'lower' | 'upper' | 'digit' | 'other' {
  if (code >= 97 && code <= 122) return 'lower';
  if (code >= 65 && code <= 90) return 'upper';
  if (code >= 48 && code <= 57) return 'digit';
  // Non-ASCII letters stay inside words; only ASCII punctuation and spaces separate them.
  return code > 127 ? 'lower' : 'other';
}

/** Whether `run` appears as consecutive words of `parts`. */
export function containsRun(parts: readonly string[], run: readonly string[]): boolean {
  outer: for (let i = 0; i + run.length <= parts.length; i++) {
    for (let j = 0; j < run.length; j++) if (parts[i + j] !== run[j]) continue outer;
    return true;
  }
  return false;
}
