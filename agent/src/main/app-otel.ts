/**
 * The app's own OpenTelemetry, seen from the main thread. When the app registered an SDK
 * (e.g. auto-instrumentations-node/register), records go to its global LoggerProvider, so
 * they carry its resource and processors; otherwise the worker exports them.
 */
import { context, trace, type Attributes, type SpanContext } from '@opentelemetry/api';
import type { Logger, LoggerProvider, LogAttributes } from '@opentelemetry/api-logs';
import type { LogLevel } from '@liveprobe/protocol';

const LOGS_API_KEY = Symbol.for('io.opentelemetry.js.api.logs');
/** Where @opentelemetry/api 1.x keeps what the app registered; `trace` is set with a TracerProvider. */
const API_KEY = Symbol.for('opentelemetry.js.api.1');
const LOGS_API_COMPATIBILITY_VERSION = 1;
const AGENT_VERSION = '0.1.0';

export const SEVERITY_NUMBER: Record<LogLevel, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

export function activeSpanContext(): SpanContext | undefined {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  return spanContext !== undefined && trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}

export class AppOtel {
  private provider: LoggerProvider | undefined;
  private logger: Logger | undefined;

  /** The app's global logger, or undefined when the app registered no logs SDK. */
  private appLogger(): Logger | undefined {
    const getter = (globalThis as Record<symbol, unknown>)[LOGS_API_KEY];
    if (typeof getter !== 'function') return undefined;
    const provider = (getter as (version: number) => LoggerProvider | undefined)(LOGS_API_COMPATIBILITY_VERSION);
    if (provider === undefined) return undefined;
    if (provider !== this.provider) {
      this.provider = provider;
      this.logger = provider.getLogger('liveprobe', AGENT_VERSION);
    }
    return this.logger;
  }

  /** Records a snapshot as a span, child of the active one, through the app's SDK; false when it has none. */
  emitSpan(name: string, attributes: Attributes, time: number): boolean {
    const registered = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[API_KEY];
    if (registered?.trace === undefined) return false;
    trace.getTracer('liveprobe', AGENT_VERSION).startSpan(name, { attributes, startTime: time }, context.active()).end(time);
    return true;
  }

  /** Emits through the app's SDK; false when there is none and the worker must export instead. */
  emit(level: LogLevel, message: string, attributes: LogAttributes): boolean {
    const logger = this.appLogger();
    if (logger === undefined) return false;
    logger.emit({
      severityNumber: SEVERITY_NUMBER[level],
      severityText: level.toUpperCase(),
      body: message,
      attributes,
      context: context.active(),
    });
    return true;
  }
}
