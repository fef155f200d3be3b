/**
 * The agent's log records, each made once per hit and handed straight to the OpenTelemetry
 * SDK's batch processor, which queues them for its OTLP exporter. The SDK's Logger would, for
 * every record, look up the active context, ask its processors whether they are enabled, copy
 * and validate the attributes one by one and wrap the record in a LogRecordImpl: work done here
 * once per action instead (the attributes are the action's, built once per probe and shared by
 * all its records, never changed), where a log action on every request spent most of what a
 * record cost the worker besides encoding it.
 */
import { isSpanContextValid, TraceFlags, type HrTime, type SpanContext } from '@opentelemetry/api';
import type { LogAttributes } from '@opentelemetry/api-logs';
import type { LogLevel } from '@liveprobe/protocol';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';

export interface TraceParent {
  traceId?: string;
  spanId?: string;
  traceFlags?: number;
}

const SEVERITY_NUMBER: Record<LogLevel, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };
const SEVERITY_TEXT: Record<LogLevel, string> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'FATAL',
};

export class LogPipeline {
  /** When this thread took in the records it is emitting now: one batch from the main thread shares it. */
  private observed: HrTime | undefined;

  constructor(
    private readonly processor: LogRecordProcessor,
    private readonly resource: Resource,
    private readonly scope: ReadableLogRecord['instrumentationScope'],
  ) {}

  /** One record, at the time of its hit (epoch ms), in the trace it was in. */
  emit(level: LogLevel, message: string, timeMs: number, attributes: LogAttributes, parent: TraceParent): void {
    const record: ReadableLogRecord = {
      hrTime: hrTimeOf(timeMs),
      hrTimeObserved: this.observedNow(),
      spanContext: spanContextOf(parent),
      severityNumber: SEVERITY_NUMBER[level],
      severityText: SEVERITY_TEXT[level],
      body: message,
      eventName: undefined,
      resource: this.resource,
      instrumentationScope: this.scope,
      attributes,
      droppedAttributesCount: 0,
    };
    // The batch processor only queues the record for the exporter, which reads these fields:
    // nothing calls the setters a record from the Logger would also have.
    this.processor.onEmit(record as SdkLogRecord);
  }

  forceFlush(): Promise<void> {
    return this.processor.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.processor.shutdown();
  }

  private observedNow(): HrTime {
    if (this.observed === undefined) {
      this.observed = hrTimeOf(Date.now());
      queueMicrotask(() => {
        this.observed = undefined;
      });
    }
    return this.observed;
  }
}

/** Epoch ms (with a fraction, from the main thread's precise clock) as OpenTelemetry's [seconds, nanoseconds]. */
function hrTimeOf(ms: number): HrTime {
  const seconds = Math.trunc(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return nanos < 1e9 ? [seconds, nanos] : [seconds + 1, nanos - 1e9];
}

/** The span the hit was in, when the app's tracing gave it one that is valid. */
function spanContextOf({ traceId, spanId, traceFlags }: TraceParent): SpanContext | undefined {
  if (traceId === undefined || spanId === undefined) return undefined;
  const context: SpanContext = { traceId, spanId, traceFlags: traceFlags ?? TraceFlags.NONE, isRemote: true };
  return isSpanContextValid(context) ? context : undefined;
}
