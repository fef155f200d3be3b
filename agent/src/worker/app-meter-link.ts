/**
 * Metric points on their way to the app's SDK MeterProvider, which lives on the main thread:
 * the worker computes each point as for its own exporter (attributes, counter totals) and hands
 * them over in one message per turn of its event loop.
 */
import type { HookChannel, MetricPoints } from '../bridge.js';
import type { MetricPoint } from './metric-record.js';
import { instrumentSpec } from './otel-export.js';

export class AppMeterLink {
  private points: MetricPoints['points'] = [];
  private scheduled = false;

  constructor(private readonly hook: HookChannel) {}

  readonly send = (point: MetricPoint): void => {
    const { action, value, attributes } = point;
    this.points.push({ actionId: action.id, instrument: instrumentSpec(action), value, attributes });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const points = this.points;
      this.points = [];
      this.hook.postMessage({ t: 'metric-points', points });
    });
  };
}
