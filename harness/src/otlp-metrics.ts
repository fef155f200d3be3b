// OTLP metric export requests decoded (JSON or protobuf) into one data point per entry.
import { attributes, decodeProtobufRequest, type KeyValue } from './otlp-logs.js';

/** One OTLP data point, flattened with its metric and resource for easy assertions. */
export interface MetricPoint {
  name: string;
  unit: string;
  kind: 'sum' | 'gauge' | 'histogram';
  attributes: Record<string, unknown>;
  /** Sums and gauges. */
  value?: number;
  /** Histograms. */
  count?: number;
  sum?: number;
  resource: Record<string, unknown>;
}

interface NumberPoint {
  attributes?: KeyValue[];
  asInt?: number | string;
  asDouble?: number;
}
interface HistogramPoint {
  attributes?: KeyValue[];
  count?: number | string;
  sum?: number;
}
interface Request {
  resourceMetrics?: {
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: {
      metrics?: {
        name?: string;
        unit?: string;
        sum?: { dataPoints?: NumberPoint[] };
        gauge?: { dataPoints?: NumberPoint[] };
        histogram?: { dataPoints?: HistogramPoint[] };
      }[];
    }[];
  }[];
}

export function decodeProtobufMetrics(body: Uint8Array): MetricPoint[] {
  return flatten(decodeProtobufRequest('metrics', body) as Request);
}

export function decodeJsonMetrics(body: Uint8Array): MetricPoint[] {
  return flatten(JSON.parse(Buffer.from(body).toString('utf8')) as Request);
}

function flatten(request: Request): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const resourceMetrics of request.resourceMetrics ?? []) {
    const resource = attributes(resourceMetrics.resource?.attributes);
    for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
      for (const metric of scopeMetrics.metrics ?? []) {
        const base = { name: metric.name ?? '', unit: metric.unit ?? '', resource };
        const number = (kind: 'sum' | 'gauge', p: NumberPoint): MetricPoint => ({
          ...base,
          kind,
          attributes: attributes(p.attributes),
          value: Number(p.asInt ?? p.asDouble ?? 0),
        });
        for (const p of metric.sum?.dataPoints ?? []) points.push(number('sum', p));
        for (const p of metric.gauge?.dataPoints ?? []) points.push(number('gauge', p));
        for (const p of metric.histogram?.dataPoints ?? []) {
          points.push({
            ...base,
            kind: 'histogram',
            attributes: attributes(p.attributes),
            count: Number(p.count ?? 0),
            sum: Number(p.sum ?? 0),
          });
        }
      }
    }
  }
  return points;
}
