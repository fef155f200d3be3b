/**
 * A DAP breakpoint's parts as editors name them in their breakpoint UI, for a refusal of the
 * action made from it (field-terms.ts): the user typed a log message, a condition, a hit count
 * on a line, never `template` or `maxHits`. The rest comes from the launch configuration.
 */
import type { FieldTerms } from '../field-terms.js';

export const BREAKPOINT_TERMS = {
  file: 'the file',
  line: 'the line',
  template: 'log message',
  condition: 'condition',
  maxHits: 'hit count',
  lineText: "the line's text",
  tags: 'the launch configuration’s `tags`',
  agents: 'the launch configuration’s `agents`',
  expiresIn: 'the launch configuration’s `expiresIn`',
} as const satisfies FieldTerms;
