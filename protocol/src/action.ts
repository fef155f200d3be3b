import { z } from 'zod';
import { checkExpression, checkTemplate, ExpressionError } from './expression/index.js';
import { parseDuration } from './duration.js';
import { AgentId, Tag } from './names.js';
import { grouped } from './util.js';

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

export const Duration = z.string().superRefine((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) ctx.addIssue({ code: 'custom', message: `\`${text}\` is not a duration; write e.g. 30s, 15m, 1h or 2d` });
  else if (ms > MAX_EXPIRES_MS) ctx.addIssue({ code: 'custom', message: `\`${text}\` is longer than the 7d maximum; actions must expire` });
});

/** A hit limit, with a message that says the bounds (zod's own says `<=1000`). */
export function maxHitsField(max: number) {
  const bounds = `the hit limit is a whole number from 1 to ${grouped(max)}`;
  return z.number().int(bounds).min(1, bounds).max(max, bounds);
}

/** Where an action applies: a source location, and which agents. */
const Target = {
  file: z.string().trim().min(1, 'name the source file, e.g. `src/server.ts`').max(1024),
  line: z.number().int('a line number is a whole number').min(1, 'lines are numbered from 1'),
  condition: Condition.optional(),
  /** The line's text as the user's editor shows it: the agent refuses to probe a line that differs. */
  lineText: z.string().max(1000).optional(),
  tags: z.array(Tag).max(100).default([]),
  agents: z.array(AgentId).max(1000).default([]),
  maxHits: maxHitsField(1_000_000).default(DEFAULT_MAX_HITS),
  expiresIn: Duration.default(DEFAULT_EXPIRES_IN),
};

/** The fastest a log or snapshot action may ask to be sampled at; the agent's own quotas may cap it lower. */
export const MAX_RATE_PER_SECOND = 1000;

/**
 * Hits captured per second at most: on a prepared site the hits beyond it are counted, not
 * captured, so output is a steady stream at this rate. Fractions sample slower than once a second.
 */
export const RatePerSecond = z
  .number({ error: 'ratePerSecond is a number of hits per second, e.g. 10 or 0.5' })
  .positive('ratePerSecond must be above 0, e.g. 0.5 for one hit every two seconds; remove the action to stop it')
  .max(
    MAX_RATE_PER_SECOND,
    `ratePerSecond is at most ${MAX_RATE_PER_SECOND}; for every hit of a hotter line use a counter or metric action`,
  );

/**
 * Where a log action's lines go: the agent's OpenTelemetry pipeline, the live stream to the
 * control plane, the app's stdout/stderr, or the app's own logger (pino, winston).
 */
export const LOG_OUTPUTS = ['otel', 'live', 'console', 'logger'] as const;
export const LogOutput = z.enum(LOG_OUTPUTS);
export type LogOutput = z.infer<typeof LogOutput>;
export const LogOutputs = z
  .array(LogOutput)
  .min(1, 'name at least one output: otel, live, console or logger')
  .refine((outputs) => new Set(outputs).size === outputs.length, 'each output at most once');

export const LogActionInput = z
  .object({
    type: z.literal('log'),
    ...Target,
    ratePerSecond: RatePerSecond.optional(),
    template: Template,
    level: LogLevel.default('info'),
    /** Absent: the agent's default (LIVEPROBE_LOG_OUTPUTS, itself `otel,live` unless set). */
    outputs: LogOutputs.optional(),
  })
  .strict();

export const MAX_WATCHES = 20;

export const SnapshotActionInput = z
  .object({
    type: z.literal('snapshot'),
    ...Target,
    ratePerSecond: RatePerSecond.optional(),
    maxHits: maxHitsField(1000).default(1),
    watches: z.array(Condition).max(MAX_WATCHES, `at most ${MAX_WATCHES} watch expressions`).default([]),
  })
  .strict();

/** OpenTelemetry's instrument name syntax. */
export const MetricName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$/,
    'a metric name starts with a letter and has up to 255 letters, digits, `_`, `.`, `-` or `/`, e.g. `shop.checkout.amount`',
  );
const MetricUnit = z
  .string()
  .max(63)
  .regex(/^[\x21-\x7e]*$/, 'a unit is printable ASCII without spaces, e.g. `s`, `ms`, `By`, `{order}`');
const AttributeKey = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.]{0,127}$/, 'an attribute key starts with a letter and has letters, digits, `_` or `.`');
export const MAX_METRIC_ATTRIBUTES = 10;
/** Extra attributes on every data point: key → expression evaluated at the line. */
const MetricAttributes = z
  .record(AttributeKey, Condition)
  .refine((a) => Object.keys(a).length <= MAX_METRIC_ATTRIBUTES, `at most ${MAX_METRIC_ATTRIBUTES} attributes`)
  .default({});
export const METRIC_MAX_HITS = 1_000_000;

const Metric = {
  ...Target,
  name: MetricName,
  description: z.string().max(500).optional(),
  attributes: MetricAttributes,
  maxHits: maxHitsField(METRIC_MAX_HITS).default(METRIC_MAX_HITS),
};

/** Counts the hits of a line. */
export const CounterActionInput = z.object({ type: z.literal('counter'), ...Metric, unit: MetricUnit.default('{hit}') }).strict();

/** Time from the tic line to the toc line within one invocation, in seconds. */
export const TicTocActionInput = z
  .object({
    type: z.literal('tictoc'),
    ...Metric,
    toc: z.object({ file: Target.file.optional(), line: Target.line }).strict(),
  })
  .strict();

/** `checkout` or `Inventory.reserve`: a function or method named in the file. */
const FunctionName = z.string().regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)?$/, 'name a function as `name` or `Class.method`');

/** The duration of a whole function, named or by any line inside it, in seconds. */
export const DurationActionInput = z
  .object({
    type: z.literal('duration'),
    ...Metric,
    line: Target.line.optional(),
    function: FunctionName.optional(),
  })
  .strict()
  .refine((a) => (a.line === undefined) !== (a.function === undefined), {
    message: 'give either `line` (any line inside the function) or `function` (its name), not both',
    path: ['function'],
  });

/** The value of an expression at a line, as a histogram or a gauge. */
export const MetricActionInput = z
  .object({
    type: z.literal('metric'),
    ...Metric,
    expression: Condition,
    instrument: z.enum(['histogram', 'gauge']).default('histogram'),
    unit: MetricUnit.optional(),
  })
  .strict();

export const DEFAULT_EXCEPTION_RATE = 3;
export const DEFAULT_EXCEPTION_MAX_HITS = 100;
/** Frames whose values an exception snapshot captures: the throw site and its callers, innermost first. */
export const DEFAULT_EXCEPTION_FRAMES = 2;
export const MAX_EXCEPTION_FRAMES = 8;

/** A JavaScript regular expression, checked here so a bad one is refused before any agent sees it. */
export const MessagePattern = z
  .string()
  .min(1)
  .max(500)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a regular expression (${(err as Error).message}); write e.g. \`timeout|ECONNRESET\`` });
    }
  });

/**
 * A path glob the throw site's file must match (after source maps): `*` within a path segment,
 * `**` across segments, `?` one character; without a leading `/` it matches at any directory.
 */
const FileGlob = z
  .string()
  .min(1, 'an empty glob matches nothing; write e.g. `src/**` or `**/checkout/*.ts`')
  .max(300)
  .refine((glob) => !glob.includes('\\'), 'write paths with `/`, also on Windows, e.g. `src/**/*.ts`')
  .refine((glob) => !/^\s|\s$/.test(glob), 'the glob starts or ends with a space; remove it');

/** Only errors thrown in a file matching one of these globs. */
export const FileGlobs = z
  .array(FileGlob)
  .min(1, 'give at least one glob, or leave `files` out to match any file')
  .max(20, 'at most 20 globs');

/** An error class name: the error's own or one of its base classes'. */
export const ErrorTypeName = z.string().regex(/^[A-Za-z_$][\w$]*$/, 'name an error class, e.g. `TypeError`');

/** Snapshots a minute, at most, for each distinct stack. */
export const ExceptionRate = z
  .number()
  .int()
  .min(1, 'at least 1 snapshot a minute per stack')
  .max(600, 'at most 600 snapshots a minute per stack');

/** How many frames, from the throw site outwards, have their values captured. */
export const ExceptionFrames = z
  .number()
  .int()
  .min(1, 'at least 1 frame: the throw site')
  .max(MAX_EXCEPTION_FRAMES, `at most ${MAX_EXCEPTION_FRAMES} frames: each costs a capture while the app is paused`);

/**
 * Captures the throw site of errors the app does not catch, or that reach a framework's error
 * handler, wherever they are thrown: no file or line. Each distinct stack gives at most
 * `ratePerMinute` snapshots a minute.
 */
export const ExceptionActionInput = z
  .object({
    type: z.literal('exception'),
    tags: Target.tags,
    agents: Target.agents,
    maxHits: maxHitsField(10_000).default(DEFAULT_EXCEPTION_MAX_HITS),
    expiresIn: Target.expiresIn,
    /** The error's class name, or one of its base classes' (`TypeError`, `ValidationError`). */
    errorType: ErrorTypeName.optional(),
    messagePattern: MessagePattern.optional(),
    ratePerMinute: ExceptionRate.default(DEFAULT_EXCEPTION_RATE),
    /** Only errors thrown in a file matching one of these globs. */
    files: FileGlobs.optional(),
    /** How many frames, from the throw site outwards, have their arguments, locals and `this` captured. */
    frames: ExceptionFrames.default(DEFAULT_EXCEPTION_FRAMES),
  })
  .strict();

/** The body of `POST /api/v1/actions`. */
export const ActionInput = z
  .discriminatedUnion('type', [
    LogActionInput,
    SnapshotActionInput,
    CounterActionInput,
    TicTocActionInput,
    DurationActionInput,
    MetricActionInput,
    ExceptionActionInput,
  ])
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
  lineText: z.string().optional(),
  tags: z.array(z.string()),
  agents: z.array(z.string()),
  maxHits: z.number().int(),
  createdAt: z.string(),
  expiresAt: z.string(),
  /** False while disabled: the action stays listed with its hits, but is in no desired set. Absent means enabled. */
  enabled: z.boolean().optional(),
  /** When it was last edited (PATCH), if ever. */
  updatedAt: z.string().optional(),
};

/** Absent: the agent's own quota sets the rate. */
const StoredRate = { ratePerSecond: z.number().optional() };

export const LogAction = z.object({
  ...Stored,
  ...StoredRate,
  type: z.literal('log'),
  template: z.string(),
  level: LogLevel,
  outputs: z.array(LogOutput).optional(),
});
export type LogAction = z.infer<typeof LogAction>;

export const SnapshotAction = z.object({ ...Stored, ...StoredRate, type: z.literal('snapshot'), watches: z.array(z.string()) });
export type SnapshotAction = z.infer<typeof SnapshotAction>;

const StoredMetric = { ...Stored, name: z.string(), description: z.string().optional(), attributes: z.record(z.string(), z.string()) };

export const CounterAction = z.object({ ...StoredMetric, type: z.literal('counter'), unit: z.string() });
export type CounterAction = z.infer<typeof CounterAction>;

export const TicTocAction = z.object({
  ...StoredMetric,
  type: z.literal('tictoc'),
  toc: z.object({ file: z.string().optional(), line: z.number().int() }),
});
export type TicTocAction = z.infer<typeof TicTocAction>;

/** `line` is 0 when the function is named instead. */
export const DurationAction = z.object({ ...StoredMetric, type: z.literal('duration'), function: z.string().optional() });
export type DurationAction = z.infer<typeof DurationAction>;

export const MetricAction = z.object({
  ...StoredMetric,
  type: z.literal('metric'),
  expression: z.string(),
  instrument: z.enum(['histogram', 'gauge']),
  unit: z.string().optional(),
});
export type MetricAction = z.infer<typeof MetricAction>;

/** Stored with `file` '' and `line` 0: it applies wherever an error is thrown. */
export const ExceptionAction = z.object({
  ...Stored,
  type: z.literal('exception'),
  errorType: z.string().optional(),
  messagePattern: z.string().optional(),
  ratePerMinute: z.number().int(),
  files: z.array(z.string()).optional(),
  /** Absent in actions stored before it existed: the innermost frame only. */
  frames: z.number().int().optional(),
});
export type ExceptionAction = z.infer<typeof ExceptionAction>;

/** Where an action applies, as people read it: `src/server.ts:65`, `src/server.ts:checkout`, or any uncaught error. */
export function actionWhere(action: Action): string {
  if (action.type === 'exception') return exceptionWhere(action);
  if (action.type === 'duration' && action.function !== undefined) return `${action.file}:${action.function}`;
  return `${action.file}:${action.line}`;
}

/** `reported errors`, `reported TypeError in src/**`: what an exception action catches. */
export function exceptionWhere(action: Pick<ExceptionAction, 'errorType' | 'files'>): string {
  const what = `reported ${action.errorType ?? 'errors'}`;
  return action.files === undefined ? what : `${what} in ${action.files.join(', ')}`;
}

export type AnyMetricAction = CounterAction | TicTocAction | DurationAction | MetricAction;
export const METRIC_ACTION_TYPES = ['counter', 'tictoc', 'duration', 'metric'] as const;

/** An action as stored and as sent to agents. */
export const Action = z.discriminatedUnion('type', [
  LogAction,
  SnapshotAction,
  CounterAction,
  TicTocAction,
  DurationAction,
  MetricAction,
  ExceptionAction,
]);
export type Action = z.infer<typeof Action>;

/** The retained message on a tag's or agent's actions topic: the whole desired set. */
export const DesiredState = z.object({
  rev: z.number().int().nonnegative(),
  actions: z.array(Action),
  /** Ed25519 signature by the control plane over desiredStateSigningInput(topic, rev, actions), base64. */
  sig: z.string().optional(),
});
export type DesiredState = z.infer<typeof DesiredState>;
