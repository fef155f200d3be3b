import { z } from 'zod';
import { checkExpression, checkTemplate, ExpressionError } from './expression/index.js';
import { parseDuration } from './duration.js';
import { AgentId, Tag } from './names.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export const LogLevel = z.enum(LOG_LEVELS);
export type LogLevel = z.infer<typeof LogLevel>;

export const DEFAULT_MAX_HITS = 1000;
export const DEFAULT_EXPIRES_IN = '1h';
export const MAX_EXPIRES_MS = 7 * 86_400_000;

/** A zod refinement that runs the expression checker and reports its error at the field. */
function expressionField(check: (source: string) => unknown) {
  return z.string().superRefine((source, ctx) => {
    try {
      check(source);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message, params: { position: err.position, construct: err.construct } });
    }
  });
}

export const Condition = expressionField(checkExpression);
export const Template = expressionField(checkTemplate);

const Duration = z.string().superRefine((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) ctx.addIssue({ code: 'custom', message: `\`${text}\` is not a duration; write e.g. 30s, 15m, 1h or 2d` });
  else if (ms > MAX_EXPIRES_MS) ctx.addIssue({ code: 'custom', message: `\`${text}\` is longer than the 7d maximum; actions must expire` });
});

/** Where an action applies: a source location, and which agents. */
const Target = {
  file: z.string().trim().min(1, 'name the source file, e.g. `src/server.ts`').max(1024),
  line: z.number().int('a line number is a whole number').min(1, 'lines are numbered from 1'),
  condition: Condition.optional(),
  tags: z.array(Tag).max(100).default([]),
  agents: z.array(AgentId).max(1000).default([]),
  maxHits: z.number().int().min(1).max(1_000_000).default(DEFAULT_MAX_HITS),
  expiresIn: Duration.default(DEFAULT_EXPIRES_IN),
};

export const LogActionInput = z.object({
  type: z.literal('log'),
  ...Target,
  template: Template,
  level: LogLevel.default('info'),
}).strict();

export const MAX_WATCHES = 20;

export const SnapshotActionInput = z.object({
  type: z.literal('snapshot'),
  ...Target,
  maxHits: z.number().int().min(1).max(1000).default(1),
  watches: z.array(Condition).max(MAX_WATCHES, `at most ${MAX_WATCHES} watch expressions`).default([]),
}).strict();

/** The body of `POST /api/v1/actions`. */
export const ActionInput = z
  .discriminatedUnion('type', [LogActionInput, SnapshotActionInput])
  .superRefine((a, ctx) => {
    if (a.tags.length === 0 && a.agents.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['tags'], message: 'target at least one tag or agent id, e.g. "tags": ["production"]' });
    }
  });
export type ActionInput = z.input<typeof ActionInput>;
export type ParsedActionInput = z.output<typeof ActionInput>;

/** Fields every stored action has, whatever its type. */
const Stored = {
  id: z.string(),
  file: z.string(),
  line: z.number().int(),
  condition: z.string().optional(),
  tags: z.array(z.string()),
  agents: z.array(z.string()),
  maxHits: z.number().int(),
  createdAt: z.string(),
  expiresAt: z.string(),
};

export const LogAction = z.object({ ...Stored, type: z.literal('log'), template: z.string(), level: LogLevel });
export type LogAction = z.infer<typeof LogAction>;

export const SnapshotAction = z.object({ ...Stored, type: z.literal('snapshot'), watches: z.array(z.string()) });
export type SnapshotAction = z.infer<typeof SnapshotAction>;

/** An action as stored and as sent to agents. */
export const Action = z.discriminatedUnion('type', [LogAction, SnapshotAction]);
export type Action = z.infer<typeof Action>;

/** The retained message on a tag's or agent's actions topic: the whole desired set. */
export const DesiredState = z.object({
  rev: z.number().int().nonnegative(),
  actions: z.array(Action),
});
export type DesiredState = z.infer<typeof DesiredState>;
