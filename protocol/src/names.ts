import { z } from 'zod';
import { TOPIC_SAFE } from './topics.js';

export const Tag = z
  .string()
  .regex(TOPIC_SAFE, 'a tag is 1–128 characters of letters, digits, `.`, `_`, `:` or `-`, starting with a letter or digit');

export const AgentId = z
  .string()
  .regex(TOPIC_SAFE, 'an agent id is 1–128 characters of letters, digits, `.`, `_`, `:` or `-`, starting with a letter or digit');
