"""OpenTelemetry output, on the agent's thread. Log records and snapshot spans go through the
app's own SDK when it registered providers (its resource, processors and exporters); otherwise
through private providers configured from the standard OTEL_* variables, never registered
globally. Metrics always use the agent's own MeterProvider, one per action, so removing the
action ends its series (as in the Node agent)."""
from __future__ import annotations

import os
from typing import Any, Callable

from opentelemetry import _logs, trace
from opentelemetry._logs import SeverityNumber
from opentelemetry.context import Context
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from . import __version__

SEVERITY = {'trace': SeverityNumber.TRACE, 'debug': SeverityNumber.DEBUG, 'info': SeverityNumber.INFO,
            'warn': SeverityNumber.WARN, 'error': SeverityNumber.ERROR, 'fatal': SeverityNumber.FATAL}
SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]


def parent_context(ids: tuple[str, str, int] | None) -> Context | None:
    if ids is None:
        return None
    span = NonRecordingSpan(SpanContext(int(ids[0], 16), int(ids[1], 16), is_remote=True, trace_flags=TraceFlags(ids[2])))
    return trace.set_span_in_context(span, Context())


class OtelOut:
    def __init__(self, agent_id: str, log: Callable[[str], None]) -> None:
        self.agent_id = agent_id
        self.log = log
        self._logger: Any = None
        self._tracer: Any = None
        self._resource: Any = None
        self.meters: dict[str, tuple[Any, Callable[[float, dict[str, Any]], None]]] = {}
        self.providers: list[Any] = []
        self._not_exported: Any = None

    def emit(self, level: str, message: str, time_s: float, attributes: dict[str, Any], ids: tuple[str, str, int] | None) -> None:
        logger = self.logger()
        if logger is None:
            return
        logger.emit(timestamp=int(time_s * 1e9), severity_number=SEVERITY[level], severity_text=level.upper(),
                    body=message, attributes=attributes, context=parent_context(ids))

    def emit_span(self, name: str, time_s: float, attributes: dict[str, Any], ids: tuple[str, str, int] | None) -> None:
        tracer = self.tracer()
        if tracer is None:
            return
        at = int(time_s * 1e9)
        tracer.start_span(name, context=parent_context(ids), attributes=attributes, start_time=at).end(end_time=at)

    def record(self, action: dict[str, Any], value: float, attributes: dict[str, Any]) -> None:
        meter = self.meters.get(action['id'])
        if meter is None:
            meter = self._meter(action)
            if meter is None:
                return
            self.meters[action['id']] = meter
        meter[1](value, attributes)

    def count_not_exported(self, action_id: str, reason: str, count: int, limit: str | None) -> None:
        """The Node agent's `liveprobe.hits.not_exported` counter, through the agent's own MeterProvider."""
        if self._not_exported is None:
            self._not_exported = False
            if self._enabled('OTEL_METRICS_EXPORTER'):
                provider, meter = self._meter_provider()
                self.providers.append(provider)
                self._not_exported = meter.create_counter(
                    'liveprobe.hits.not_exported', unit='{hit}',
                    description='hits of liveprobe actions that were not exported: sampled out, or dropped by the exporter')
        if self._not_exported is False:
            return
        attributes = {'liveprobe.action.id': action_id, 'liveprobe.reason': reason}
        if limit is not None:
            attributes['liveprobe.limit'] = limit
        self._not_exported.add(count, attributes)

    def end_metrics(self, action_id: str) -> None:
        meter = self.meters.pop(action_id, None)
        if meter is not None:
            meter[0].shutdown()

    def flush(self) -> None:
        for provider in self.providers + [m[0] for m in self.meters.values()]:
            provider.force_flush()

    def shutdown(self) -> None:
        for provider in self.providers + [m[0] for m in self.meters.values()]:
            provider.shutdown()
        self.meters.clear()

    def logger(self) -> Any:
        if self._logger is None:
            self._logger = self._source(_logs.get_logger_provider(), 'OTEL_LOGS_EXPORTER', self._own_logger_provider, 'get_logger')
        return self._logger or None

    def tracer(self) -> Any:
        if self._tracer is None:
            self._tracer = self._source(trace.get_tracer_provider(), 'OTEL_TRACES_EXPORTER', self._own_tracer_provider, 'get_tracer')
        return self._tracer or None

    def _source(self, app: Any, variable: str, own: Callable[[], Any], getter: str) -> Any:
        """The app's provider when it registered one; else the agent's own (False when exporting is off)."""
        if _is_sdk(app):
            return getattr(app, getter)('liveprobe', __version__)
        if not self._enabled(variable):
            return False
        provider = own()
        self.providers.append(provider)
        return getattr(provider, getter)('liveprobe', __version__)

    def _own_logger_provider(self) -> Any:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.sdk._logs import LoggerProvider
        from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
        provider = LoggerProvider(resource=self.resource())
        provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
        return provider

    def _own_tracer_provider(self) -> Any:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        provider = TracerProvider(resource=self.resource())
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        return provider

    def _meter(self, action: dict[str, Any]) -> tuple[Any, Callable[[float, dict[str, Any]], None]] | None:
        if not self._enabled('OTEL_METRICS_EXPORTER'):
            return None
        provider, meter = self._meter_provider()
        name, description = action['name'], action.get('description', '')
        if action['type'] == 'counter':
            counter = meter.create_counter(name, unit=action.get('unit', ''), description=description)
            return provider, lambda v, a: counter.add(v, a)
        if action['type'] in ('tictoc', 'duration'):
            histogram = meter.create_histogram(name, unit='s', description=description, explicit_bucket_boundaries_advisory=SECONDS_BUCKETS)
            return provider, lambda v, a: histogram.record(v, a)
        if action.get('instrument') == 'gauge':
            gauge = meter.create_gauge(name, unit=action.get('unit', ''), description=description)
            return provider, lambda v, a: gauge.set(v, a)
        values = meter.create_histogram(name, unit=action.get('unit', ''), description=description)
        return provider, lambda v, a: values.record(v, a)

    def _meter_provider(self) -> tuple[Any, Any]:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        provider = MeterProvider(resource=self.resource(), metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())])
        return provider, provider.get_meter('liveprobe', __version__)

    def resource(self) -> Any:
        if self._resource is None:
            from opentelemetry.sdk.resources import Resource
            self._resource = Resource.create({'service.instance.id': self.agent_id})
        return self._resource

    def _enabled(self, variable: str) -> bool:
        name = os.environ.get(variable, 'otlp').strip()
        if name == 'none':
            return False
        if name != 'otlp':
            self.log(f'{variable}={name} is not supported by the agent\'s own exporter; use otlp or none')
            return False
        protocol = os.environ.get('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf').strip()
        if protocol != 'http/protobuf':
            self.log(f'OTEL_EXPORTER_OTLP_PROTOCOL={protocol}: the Python agent\'s own exporter speaks http/protobuf; using it')
        return True


def _is_sdk(provider: Any) -> bool:
    """True when the app registered a provider of its own (not the API's no-op or proxy)."""
    return not type(provider).__name__.startswith(('NoOp', 'Proxy', 'Default'))
