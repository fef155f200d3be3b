"""The application-thread side of one installed action: what runs at a hit. It checks expiry and
the CPU budget, evaluates the condition and the action's expressions read-only, samples a log or
snapshot (a hit over its rate, its byte quota or the CPU budget is counted, not captured; a
counter or metric over the CPU budget pauses instead), and appends what
they read to the outbox, a bounded queue: the agent's own thread formats, redacts, applies the
byte quota and turns it into OpenTelemetry and MQTT output. Nothing here may raise into the
application."""
from __future__ import annotations

import contextvars
import secrets
import time
import types
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from opentelemetry import trace
from opentelemetry.context import Context, get_current

from .expression.evaluate import compile_expression, truthy
from .expression.parse import parse_expression
from .expression.template import parse_template
from .frame_scope import FrameScope
from .log_line import Failed, hold, message, shown
from .quota import CpuBudget, RateLimit, sample_rate
from .redaction import Redaction
from .safe_read import EvalError
from .serialize import Capture, CaptureLimits
from .snapshot import capture_snapshot

ERROR_REPORT_SECONDS = 5.0
# Hits waiting for the agent's thread; past this, hits are counted and reported as dropped.
MAX_OUTBOX = 20_000
MAX_OPEN_DURATIONS = 10_000
_perf = time.perf_counter
_now = time.time


@dataclass
class Settings:
    capture: CaptureLimits
    redaction: Redaction
    bytes_per_second: float
    hits_per_second: float
    log_outputs: list[str]
    cpu: CpuBudget
    cpu_ms_per_second: float
    is_blocked_variable: Callable[[str], bool]


def span_ids(otel_context: Context | None = None) -> tuple[str, str, int] | None:
    """The trace the hit ran in: now, or from the context the hit kept (on the agent's thread)."""
    context = trace.get_current_span(otel_context).get_span_context()
    if not context.is_valid:
        return None
    return f'{context.trace_id:032x}', f'{context.span_id:016x}', int(context.trace_flags)


class ArmedProbe:
    # Slots: a hit reads a dozen of these, and past ~30 attributes an instance dict stops sharing
    # its keys, which turns every one of those reads into a dict lookup (callgrind, 3.11).
    __slots__ = ('action', 'id', 'type', 'settings', 'outbox', 'file', 'line', 'function', 'max_hits', 'expires_at', 'hits',
                 'off', 'done', 'byte_rate', 'sampling', 'sample', 'sampled', 'pending_errors', 'last_error_report', 'counted',
                 'overflow', 'otel_attributes', 'logger_name', 'tic', 'open_durations', 'condition', 'template', 'watches',
                 'value', 'attributes')

    def __init__(self, action: dict[str, Any], settings: Settings, outbox: deque[tuple[Any, ...]],
                 file: str, line: int, function: str | None) -> None:
        self.action = action
        self.id: str = action['id']
        self.type: str = action['type']
        self.settings = settings
        self.outbox = outbox
        self.file, self.line, self.function = file, line, function
        self.max_hits: int = action['maxHits']
        self.expires_at = parse_time(action['expiresAt'])
        self.hits = 0
        self.off = False  # done or paused: the site returns at once
        self.done = False
        self.byte_rate = RateLimit(settings.bytes_per_second)
        self.sampling = self.type in ('log', 'snapshot')  # over a limit its hits are counted, never paused
        self.sample: RateLimit | None = None  # None when the rate is off: no call at a hit
        # A log's or snapshot's hits over a limit (`rate`, `bytes`, `cpu`), not yet handed to the agent thread.
        self.sampled = {'rate': 0, 'bytes': 0, 'cpu': 0}
        self.set_rate()
        self.pending_errors = 0
        self.last_error_report = 0.0
        self.counted = 0  # counter hits not yet handed to the agent thread
        self.overflow = 0  # hits dropped because the agent's thread was behind
        self.otel_attributes: dict[str, Any] | None = None  # made once by the agent thread
        self.logger_name: str | None = None  # the probed module's, found by the agent thread
        self.compile()
        self.tic: contextvars.ContextVar[float | None] = contextvars.ContextVar(f'liveprobe_tic_{self.id}', default=None)
        self.open_durations: dict[int, float] = {}

    def compile(self) -> None:
        """Compiles the action's expressions with the agent's current redaction (again when it changes)."""
        action, text, redaction = self.action, self.text, self.settings.redaction
        self.condition = compile_expression(parse_expression(action['condition']), redaction, text) if action.get('condition') else None
        self.template = [(p['text'], None) if 'text' in p else (p['source'], compile_expression(p['expr'], redaction, text))
                         for p in parse_template(action['template'])] if self.type == 'log' else []
        self.watches = [(w, compile_expression(parse_expression(w), redaction, text)) for w in action.get('watches', [])]
        self.value = compile_expression(parse_expression(action['expression']), redaction, text) if self.type == 'metric' else None
        self.attributes = [(k, compile_expression(parse_expression(v), redaction, text)) for k, v in action.get('attributes', {}).items()]

    def set_rate(self) -> None:
        """A log or snapshot samples to its ratePerSecond within the agent's hit quota (again when the quota changes)."""
        rate = sample_rate(self.action.get('ratePerSecond'), self.settings.hits_per_second)
        self.sample = RateLimit(rate) if self.sampling and rate > 0 else None

    def expressions(self) -> list[dict[str, Any]]:
        """Every checked tree the action evaluates, for the blocklist."""
        out = [parse_expression(self.action['condition'])] if self.action.get('condition') else []
        if self.type == 'log':
            out += [p['expr'] for p in parse_template(self.action['template']) if 'expr' in p]
        out += [parse_expression(w) for w in self.action.get('watches', [])]
        if self.type == 'metric':
            out.append(parse_expression(self.action['expression']))
        out += [parse_expression(v) for v in self.action.get('attributes', {}).values()]
        return out

    def text(self, value: Any) -> str:
        return shown(value, self.settings.capture, self.settings.redaction)

    # Sites call one of these with the probed frame.
    def hit(self, frame: types.FrameType) -> None:
        if self.off:
            return
        started = _perf()
        try:
            # As on a Node prepared site, a sampling site stays on over the CPU budget: its hits are counted.
            if self.sampling and self.settings.cpu_ms_per_second > 0 and self.settings.cpu.over(started):
                self.sampled['cpu'] += 1
                return
            now = _now()
            if now >= self.expires_at:
                return self.finish('expired')
            scope = FrameScope(frame)
            # A measurement's condition was checked when it started.
            if self.condition is not None and self.type not in ('tictoc', 'duration') and not self.passes(scope, now):
                return
            # As on a Node prepared site: over the rate the site stays on and the hit is only counted.
            if self.sample is not None and not self.sample.take(1, now):
                self.sampled['rate'] += 1
                return
            self.run(frame, scope, now, started)
        except Exception:
            pass  # a probe never throws into the application
        finally:
            self.spend(started)

    def enter(self, frame: types.FrameType) -> None:
        """tic (any line) and duration (function entry): start a measurement."""
        if self.off:
            return
        try:
            if self.condition is not None and not self.passes(FrameScope(frame), _now()):
                return
            if self.type == 'tictoc':
                self.tic.set(_perf())
            else:
                if len(self.open_durations) >= MAX_OPEN_DURATIONS:
                    self.open_durations.clear()
                self.open_durations[id(frame)] = _perf()
        except Exception:
            pass

    def run(self, frame: types.FrameType, scope: FrameScope, now: float, started: float) -> None:
        kind = self.type
        if len(self.outbox) >= MAX_OUTBOX and kind in ('log', 'snapshot', 'metric'):
            self.overflow += 1
            return
        if kind == 'log':
            # The OpenTelemetry context is immutable: the agent's thread reads the trace from it.
            self.outbox.append(('log', self, now, self.placeholders(scope, now), get_current()))
        elif kind == 'snapshot':
            data = capture_snapshot(frame, Capture(self.settings.capture, self.settings.redaction), self.watches,
                                    self.settings.is_blocked_variable, started)
            if not self.spend_bytes(data['bytes'], now):
                return
            ids = span_ids()
            if ids is not None:
                data['traceId'], data['spanId'] = ids[0], ids[1]
            self.outbox.append(('snap', self, now, f'snap_{secrets.token_hex(8)}', data))
        elif kind == 'counter':
            self.record(1.0, scope, now)
        elif kind == 'metric':
            value = self.metric_value(scope)
            if value is None:
                return
            self.record(value, scope, now)
        elif kind == 'tictoc':
            began = self.tic.get()
            if began is None:
                return
            self.tic.set(None)
            self.record(_perf() - began, scope, now)
        elif kind == 'duration':
            began = self.open_durations.pop(id(frame), None)
            if began is None:
                return
            self.record(_perf() - began, scope, now)
        self.hits += 1
        if self.hits >= self.max_hits:
            self.finish('hit_limit')

    def passes(self, scope: FrameScope, now: float) -> bool:
        try:
            return truthy(self.condition(scope))  # type: ignore[misc]
        except EvalError as err:
            self.eval_error(f'condition `{self.action["condition"]}`: {err}', now)
            return False

    def placeholders(self, scope: FrameScope, now: float) -> list[Any]:
        """On the app's thread: what the template's placeholders read at this hit."""
        out: list[Any] = []
        limits, redaction = self.settings.capture, self.settings.redaction
        for source, evaluate in self.template:
            if evaluate is None:
                continue
            try:
                out.append(hold(evaluate(scope), limits, redaction))
            except EvalError as err:
                self.eval_error(f'template `{{{source}}}`: {err}', now)
                out.append(Failed(str(err)))
        return out

    def message(self, values: list[Any]) -> str:
        """On the agent's thread: the line's text, redacted and shortened."""
        return message(self.template, values, self.settings.capture, self.settings.redaction)

    def metric_value(self, scope: FrameScope) -> float | None:
        try:
            value = self.value(scope)  # type: ignore[misc]
        except EvalError as err:
            self.eval_error(f'value `{self.action["expression"]}`: {err}', _now())
            return None
        if type(value) not in (int, float):
            self.eval_error(f'value `{self.action["expression"]}` is not a number (got {type(value).__name__})', _now())
            return None
        return float(value)

    def record(self, value: float, scope: FrameScope, now: float) -> None:
        if not self.attributes and self.type == 'counter':
            self.counted += 1
            return
        attributes: dict[str, Any] = {}
        for key, evaluate in self.attributes:
            try:
                found = evaluate(scope)
                attributes[key] = found if type(found) in (str, int, float, bool) else self.text(found)
            except EvalError as err:
                self.eval_error(f'attribute `{key}`: {err}', now)
        self.outbox.append(('metric', self, value, attributes))

    def spend_bytes(self, count: int, now: float) -> bool:
        """Over the byte quota a log's or snapshot's output is dropped and counted (the only outputs with bytes)."""
        if self.byte_rate.take(count, now):
            return True
        self.sampled['bytes'] += 1
        return False

    def spend(self, started: float) -> None:
        if self.settings.cpu_ms_per_second <= 0:
            return
        ended = _perf()
        self.spend_seconds(ended - started, ended)

    def spend_seconds(self, seconds: float, now: float) -> None:
        """Probe time: on the app's thread, or the agent's thread's work for a hit (it holds the same GIL)."""
        # A sampling site is never paused over the budget: its next hits are counted (hit()).
        if not self.settings.cpu.spend(seconds, now) and not self.done and not self.sampling:
            self.pause(f'paused: the agent spent its CPU budget of {self.settings.cpu_ms_per_second:g} ms per second in probes')

    def pause(self, reason: str) -> None:
        if self.off:
            return
        self.off = True
        self.outbox.append(('paused', self, reason))

    def finish(self, reason: str) -> None:
        if self.done:
            return
        self.done = self.off = True
        self.outbox.append(('done', self, reason))

    def eval_error(self, message: str, now: float) -> None:
        self.pending_errors += 1
        if now - self.last_error_report < ERROR_REPORT_SECONDS:
            return
        self.outbox.append(('error', self, message, self.pending_errors))
        self.pending_errors = 0
        self.last_error_report = now


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace('Z', '+00:00')).timestamp()
