/**
 * The OpenTelemetry instrument behind a metric action, as plain data: the worker builds it on
 * its own MeterProviders, and the main thread on the app's SDK MeterProvider when the agent was
 * started by LiveprobeInstrumentation; both record a point the same way.
 */
import type { Attributes, Meter } from '@opentelemetry/api';

export interface InstrumentSpec {
  name: string;
  kind: 'counter' | 'histogram' | 'gauge';
  unit?: string;
  description?: string;
  /** A histogram of seconds (tic-toc, duration), with boundaries that suit them. */
  seconds?: true;
}

export type Recorder = (value: number, attributes: Attributes) => void;

/** Seconds-scale boundaries for tic-toc and duration histograms (the SDK's default suits milliseconds). */
const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function recorderFor(meter: Meter, spec: InstrumentSpec): Recorder {
  const options = {
    ...(spec.unit === undefined ? {} : { unit: spec.unit }),
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(spec.seconds === undefined ? {} : { advice: { explicitBucketBoundaries: SECONDS_BUCKETS } }),
  };
  switch (spec.kind) {
    case 'counter': {
      const counter = meter.createCounter(spec.name, options);
      return (value, attributes) => counter.add(value, attributes);
    }
    case 'histogram': {
      const histogram = meter.createHistogram(spec.name, options);
      return (value, attributes) => histogram.record(value, attributes);
    }
    case 'gauge': {
      const gauge = meter.createGauge(spec.name, options);
      return (value, attributes) => gauge.record(value, attributes);
    }
  }
}
