/** Which option or argument of the CLI's commands sets each body field (see field-terms.ts). */
import type { FieldTerms } from '../field-terms.js';

/** The fields of every action type, as `<type> add` and `actions edit` set them. */
export const ACTION_FIELD_OPTIONS: FieldTerms = {
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
