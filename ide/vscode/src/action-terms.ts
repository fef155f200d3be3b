/**
 * An action's fields as the "liveprobe: Add …" prompts ask for them, for a refusal by the
 * control plane (liveprobe's field-terms.ts): the user answered "Message" and "Hit limit and
 * expiry", never `template` or `maxHits`.
 */
import type { FieldTerms } from 'liveprobe/dist/field-terms.js';

export const ACTION_PROMPT_TERMS: FieldTerms = {
  file: 'the file',
  line: 'the line',
  lineText: "the line's text",
  template: 'Message',
  level: 'Level',
  watches: 'Watch expressions',
  expression: 'The value to record',
  name: 'Metric name',
  toc: 'Toc line',
  condition: 'Condition',
  maxHits: 'Hit limit',
  expiresIn: 'Expiry',
  tags: 'Which agents (or the setting `liveprobe.tags`)',
  agents: 'Which agents (or the setting `liveprobe.agents`)',
};
