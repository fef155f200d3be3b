/** One value a metric action recorded, on its way to the exporters (OpenTelemetry, StatsD). */
import type { Attributes } from '@opentelemetry/api';
import type { AnyMetricAction } from '@liveprobe/protocol';

export interface MetricPoint {
  action: AnyMetricAction;
  value: number;
  attributes: Attributes;
}
