import { z } from 'zod';

/** Tags and agent ids become MQTT topic levels, so they may not contain `/`, `+`, `#` or spaces. */
const TOPIC_SAFE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const Tag = z
  .string()
  .regex(TOPIC_SAFE, 'a tag is 1–128 characters of letters, digits, `.`, `_`, `:` or `-`, starting with a letter or digit');

export const AgentId = z
  .string()
  .regex(TOPIC_SAFE, 'an agent id is 1–128 characters of letters, digits, `.`, `_`, `:` or `-`, starting with a letter or digit');

export function isTopicSafe(name: string): boolean {
  return TOPIC_SAFE.test(name);
}
