import { z } from 'zod';
import { LogLevel } from './action.js';
import { SnapshotEvent } from './snapshot.js';
import { PREPARE_FAILURES_LISTED } from './status-words.js';

/**
 * How the files an in-process agent prepared at load time fared (install path 2,
 * LIVEPROBE_PREPARE), and how many files prepared at build time it took. Files that load later
 * (a lazy `require` or `import()`) update it.
 */
export const PrepareSummary = z.object({
  transformed: z.number().int().nonnegative().meta({ description: 'files rewritten with probe sites as they loaded' }),
  cached: z.number().int().nonnegative().meta({ description: 'files prepared from the on-disk cache' }),
  prebuilt: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .meta({ description: 'files prepared at build time (`liveprobe prepare`) that bound to the agent as they loaded' }),
  failed: z
    .number()
    .int()
    .nonnegative()
    .meta({ description: 'files that could not be prepared and loaded untouched: their lines take actions as breakpoints' }),
  failures: z
    .array(z.object({ path: z.string(), reason: z.string() }))
    .meta({ description: `the first ${PREPARE_FAILURES_LISTED} files left untouched, and why` }),
  warnings: z
    .array(z.string())
    .optional()
    .meta({
      description: `problems with the patterns themselves (the first ${PREPARE_FAILURES_LISTED}), e.g. one that would have prepared files under node_modules had it named node_modules/`,
    }),
});
export type PrepareSummary = z.infer<typeof PrepareSummary>;

/**
 * The retained message on `…/agents/{id}/status`: the agent's birth, or its Last Will. The
 * agent publishes it again, same `startedAt`, when what it says about itself changes.
 */
export const AgentOnline = z.object({
  state: z.literal('online'),
  agentId: z.string(),
  hostname: z.string(),
  pid: z.number().int(),
  runtime: z.string(),
  runtimeVersion: z.string(),
  agentVersion: z.string(),
  tags: z.array(z.string()),
  startedAt: z.string(),
  /** Absent when the agent prepares no files. */
  prepare: PrepareSummary.optional(),
});
export const AgentOffline = z.object({ state: z.literal('offline'), agentId: z.string() });
export const AgentStatus = z.discriminatedUnion('state', [AgentOnline, AgentOffline]);
export type AgentOnline = z.infer<typeof AgentOnline>;
export type AgentStatus = z.infer<typeof AgentStatus>;

export const ACTION_STATES = ['installed', 'pending', 'error', 'paused', 'resumed', 'expired', 'hit_limit', 'removed'] as const;
export const ActionState = z.enum(ACTION_STATES);
export type ActionState = z.infer<typeof ActionState>;

export const Location = z.object({ file: z.string(), line: z.number().int() });

/** An agent's report on one action: installed where, or why not. */
export const ActionStatusEvent = z.object({
  kind: z.literal('action_status'),
  agentId: z.string(),
  time: z.string(),
  actionId: z.string(),
  state: ActionState,
  message: z.string().optional(),
  location: Location.optional(),
});
export type ActionStatusEvent = z.infer<typeof ActionStatusEvent>;

/**
 * What a metric action's live line recorded, so a reader tells it from a log line: `type` is the
 * action's, `instrument` the OpenTelemetry instrument it went into. A counter's `value` is the
 * number of hits the line stands for (as `hits`).
 */
export const MetricReading = z.object({
  type: z.enum(['counter', 'metric', 'tictoc', 'duration']),
  name: z.string(),
  value: z.number(),
  instrument: z.enum(['counter', 'histogram', 'gauge']),
  unit: z.string().optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type MetricReading = z.infer<typeof MetricReading>;

/** One formatted line of live output, for the console and `liveprobe tail`. */
export const OutputEvent = z.object({
  kind: z.literal('output'),
  agentId: z.string(),
  time: z.string(),
  actionId: z.string(),
  level: LogLevel,
  message: z.string(),
  file: z.string(),
  line: z.number().int(),
  traceId: z.string().optional(),
  spanId: z.string().optional(),
  /** The hits this line stands for: a counter's line sums its hits since the last one. 1 when absent. */
  hits: z.number().int().positive().optional(),
  /** Present on a metric action's line (absent from agents older than it). */
  metric: MetricReading.optional(),
});
export type OutputEvent = z.infer<typeof OutputEvent>;

/** Output the agent could not send (rate limit, full buffer): counted, never silent. */
export const DroppedEvent = z.object({
  kind: z.literal('dropped'),
  agentId: z.string(),
  time: z.string(),
  actionId: z.string().optional(),
  count: z.number().int(),
  reason: z.string(),
});
export type DroppedEvent = z.infer<typeof DroppedEvent>;

/** Sent every HEARTBEAT_SECONDS so the control plane's last-seen time stays current between other events. */
export const HeartbeatEvent = z.object({
  kind: z.literal('heartbeat'),
  agentId: z.string(),
  time: z.string(),
  /** Actions the agent has installed, pending or paused. */
  actions: z.number().int(),
});
export type HeartbeatEvent = z.infer<typeof HeartbeatEvent>;

export const AgentEvent = z.discriminatedUnion('kind', [ActionStatusEvent, OutputEvent, DroppedEvent, SnapshotEvent, HeartbeatEvent]);
export type AgentEvent = z.infer<typeof AgentEvent>;
