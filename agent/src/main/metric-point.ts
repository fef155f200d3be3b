/**
 * One data point of a metric action, computed at the hit: a count, an expression's value, or
 * the seconds since the invocation's tic; plus the user's attribute expressions.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import type { MetricArm } from '../bridge.js';
import { compileExpression, type Compiled, type Frame, type TextOptions } from './compile.js';
import type { InvocationTimers } from './invocation-timers.js';
import { ProbeEvalError } from './safe-read.js';
import { CaptureBudget, renderValue, serialize } from './serialize.js';

export interface CompiledMetric {
  role: MetricArm['role'];
  pair: number;
  value: { source: string; evaluate: Compiled } | undefined;
  attributes: { key: string; source: string; evaluate: Compiled }[];
  outcome: MetricArm['outcome'];
  /** Tic and toc: the position they time at (invocation-timers.ts). */
  at: string;
}

export function compileMetric(arm: MetricArm, roots: readonly string[], text: TextOptions): CompiledMetric {
  return {
    role: arm.role,
    pair: arm.pair ?? 0,
    value: arm.value === undefined ? undefined : { source: arm.value.source, evaluate: compileExpression(arm.value.expr, roots, text) },
    attributes: arm.attributes.map((a) => ({ key: a.key, source: a.source, evaluate: compileExpression(a.expr, roots, text) })),
    outcome: arm.outcome,
    at: arm.at ?? '',
  };
}

/**
 * The point's value; undefined for a toc whose invocation saw no tic. Throws ProbeEvalError for
 * a non-number. `startedAt`: when the hit began (performance.now()), the time a toc stops at.
 */
export function metricValue(
  metric: CompiledMetric,
  frame: Frame,
  timers: InvocationTimers,
  startedAt: number,
  text?: TextOptions,
): number | undefined {
  switch (metric.role) {
    case 'count':
    case 'tic':
      return 1;
    case 'toc':
      return timers.stop(metric.pair, metric.at, startedAt);
    case 'value': {
      const value = metric.value!.evaluate(frame);
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ProbeEvalError(
          `\`${metric.value!.source}\` is ${typeof value === 'number' ? String(value) : typeof value}, not a finite number`,
        );
      }
      if (text?.redaction?.hidesNumber(value) === true) {
        throw new ProbeEvalError(
          `\`${metric.value!.source}\` looks like a card number, which the agent's redaction hides; it is not recorded`,
        );
      }
      return value;
    }
  }
}

/**
 * Attribute values are primitives; anything else is rendered as bounded text. A failing one is
 * reported and left out; one that is undefined or null is left out.
 */
export function metricAttributes(
  metric: CompiledMetric,
  frame: Frame,
  text: TextOptions,
  onError: (message: string) => void,
): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  if (metric.outcome !== undefined) attributes['liveprobe.outcome'] = metric.outcome;
  for (const attribute of metric.attributes) {
    try {
      const value = attribute.evaluate(frame);
      // An absent value leaves the attribute out, as OpenTelemetry does, rather than label a series "undefined".
      if (value === undefined || value === null) continue;
      // Numbers and booleans go out as they are, unless redaction hides them (a card number);
      // everything else, strings included, is redacted and bounded like a log placeholder.
      attributes[attribute.key] =
        typeof value === 'boolean' || (typeof value === 'number' && text.redaction?.hidesNumber(value) !== true)
          ? value
          : renderValue(serialize(value, text.limits, new CaptureBudget(text.limits.totalBytes), text.redaction));
    } catch (err) {
      onError(`attribute ${attribute.key} = \`${attribute.source}\`: ${errorMessage(err)}`);
    }
  }
  return attributes;
}
