/**
 * What the main thread needs to redact, as plain data: the worker reads it from the agent's
 * own configuration and sends it in the `init` message (the main thread never parses config).
 */
export interface RedactionSettings {
  /**
   * Key names whose values are never shown, matched word by word and case-insensitively, plurals
   * and numbered copies included (`api_key` hides `x-api-key`, `apiKey` and `API_KEYS`).
   */
  keys: string[];
  /** Built-in value patterns to mask inside strings. */
  patterns: BuiltInPattern[];
  /** Extra value patterns (RegExp sources, matched globally and case-insensitively). */
  regexes: string[];
  /** Names hidden exactly as written: the blocklist's variables, wherever they appear in a captured value. */
  exactKeys: string[];
}

export type BuiltInPattern = 'card' | 'bearer' | 'jwt' | 'url' | 'email';

export const BUILT_IN_PATTERNS: readonly BuiltInPattern[] = ['card', 'bearer', 'jwt', 'url', 'email'];

export const DEFAULT_REDACTED_KEYS: readonly string[] = [
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'token',
  'auth',
  'authorization',
  'credential',
  'cookie',
  'jwt',
  'api_key',
  'apikey',
  'access_key',
  'private_key',
  'session_id',
  'ssn',
  'credit_card',
  'card_number',
  'cardnumber',
  'cvv',
  'cvc',
];

/** Emails are off by default: they are often what a developer is debugging. */
export const DEFAULT_PATTERNS: readonly BuiltInPattern[] = ['card', 'bearer', 'jwt', 'url'];

export const REDACTED_TEXT = '[REDACTED]';
