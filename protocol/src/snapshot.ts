import { z } from 'zod';
import { CapturedValue } from './captured-value.js';

export const StackFrame = z.object({
  function: z.string(),
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
});
export type StackFrame = z.infer<typeof StackFrame>;

export const NamedValue = z.object({ name: z.string(), value: CapturedValue });
export type NamedValue = z.infer<typeof NamedValue>;

/** One enclosing scope of the top frame: a block, the function itself, an outer function, the module. */
export const ScopeCapture = z.object({
  kind: z.enum(['local', 'closure', 'module']),
  /** The function or block that owns the scope, when it has a name. */
  name: z.string().optional(),
  variables: z.array(NamedValue),
  /**
   * How many of the scope's bindings were not read: in a scope of many names (a bundle's module
   * scope) the snapshot reads only those the frame's function uses, or at the file's top level
   * those the line refers to first and others up to its bound; a watch expression reads any other.
   */
  leftOut: z.number().int().nonnegative().optional(),
});
export type ScopeCapture = z.infer<typeof ScopeCapture>;

export const WatchResult = z.object({
  expression: z.string(),
  value: CapturedValue.optional(),
  error: z.string().optional(),
});
export type WatchResult = z.infer<typeof WatchResult>;

/** For an exception action: the error that was thrown, and the errors it names as its `cause`, outermost first. */
export const ThrownError = z.object({
  type: z.string(),
  message: z.string(),
  causes: z.array(z.object({ type: z.string(), message: z.string() })),
  /** Whether the error was rejected from a promise nobody handled, rather than thrown. */
  rejection: z.boolean().optional(),
});
export type ThrownError = z.infer<typeof ThrownError>;

/** For an exception snapshot: a caller of the throw site, with the values in its frame. */
export const OuterFrame = z.object({
  location: z.object({ file: z.string(), line: z.number().int(), function: z.string().optional() }),
  arguments: z.array(NamedValue),
  locals: z.array(NamedValue),
  /** Its closures' and module's values, as a snapshot's `scopes`. */
  scopes: z.array(ScopeCapture).optional(),
  this: CapturedValue.optional(),
});
export type OuterFrame = z.infer<typeof OuterFrame>;

/** What a snapshot action captured at one hit. */
export const SnapshotData = z.object({
  location: z.object({ file: z.string(), line: z.number().int(), function: z.string().optional() }),
  stack: z.array(StackFrame),
  arguments: z.array(NamedValue),
  locals: z.array(NamedValue),
  scopes: z.array(ScopeCapture),
  this: CapturedValue.optional(),
  watches: z.array(WatchResult),
  /** How long the app's main thread spent in the capture, in milliseconds. */
  stallMs: z.number(),
  /** Bytes of the serialized capture, and whether a limit cut it short. */
  bytes: z.number().int(),
  truncated: z.boolean(),
  traceId: z.string().optional(),
  spanId: z.string().optional(),
  exception: ThrownError.optional(),
  /** For an exception snapshot: the throw site's callers, innermost first, up to the action's `frames` bound. */
  frames: z.array(OuterFrame).optional(),
});
export type SnapshotData = z.infer<typeof SnapshotData>;

/** agent → control plane on the events topic. */
export const SnapshotEvent = z.object({
  kind: z.literal('snapshot'),
  id: z.string(),
  agentId: z.string(),
  actionId: z.string(),
  time: z.string(),
  snapshot: SnapshotData,
});
export type SnapshotEvent = z.infer<typeof SnapshotEvent>;
