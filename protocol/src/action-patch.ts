// The body of `PATCH /api/v1/actions/{id}`: what an edit may change. Where, what type and for
// which agents an action is stay fixed (a new action says those); each field is checked as on create.
import { z } from 'zod';
import {
  Condition,
  Duration,
  ErrorTypeName,
  ExceptionFrames,
  ExceptionRate,
  FileGlobs,
  LogLevel,
  LogOutputs,
  maxHitsField,
  MAX_WATCHES,
  MessagePattern,
  METRIC_MAX_HITS,
  RatePerSecond,
  Template,
} from './action.js';

export const ActionPatch = z
  .object({
    /** A new condition, or `null` to act on every hit again. */
    condition: Condition.nullable().optional(),
    template: Template.optional(),
    level: LogLevel.optional(),
    outputs: LogOutputs.optional(),
    watches: z.array(Condition).max(MAX_WATCHES, `at most ${MAX_WATCHES} watch expressions`).optional(),
    maxHits: maxHitsField(METRIC_MAX_HITS).optional(),
    ratePerSecond: RatePerSecond.optional(),
    /** An exception action's filters; `null` removes a type, message or file filter (any error, any file). */
    errorType: ErrorTypeName.nullable().optional(),
    messagePattern: MessagePattern.nullable().optional(),
    files: FileGlobs.nullable().optional(),
    ratePerMinute: ExceptionRate.optional(),
    frames: ExceptionFrames.optional(),
    /** A new lifetime, counted from the edit (at most 7d). */
    expiresIn: Duration.optional(),
    /** false takes the action off every agent, keeping its definition, hits and snapshots; true puts it back. */
    enabled: z.boolean().optional(),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, {
    message:
      'name at least one field to change: condition, template, level, outputs, watches, maxHits, ratePerSecond, errorType, messagePattern, files, ratePerMinute, frames, expiresIn or enabled',
  });
export type ActionPatch = z.output<typeof ActionPatch>;

/** Which action types have each type-specific field, for the error that names a field the action lacks. */
export const PATCH_FIELD_TYPES: Partial<Record<keyof ActionPatch, readonly string[]>> = {
  template: ['log'],
  level: ['log'],
  outputs: ['log'],
  watches: ['snapshot'],
  ratePerSecond: ['log', 'snapshot'],
  errorType: ['exception'],
  messagePattern: ['exception'],
  files: ['exception'],
  ratePerMinute: ['exception'],
  frames: ['exception'],
};
