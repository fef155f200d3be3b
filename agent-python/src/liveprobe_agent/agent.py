"""The agent: joins the fleet over MQTT and runs one daemon thread that reconciles desired state
and turns what probes left in the outbox into OpenTelemetry and live events. The application's
threads only run probes; nothing here waits on them."""
from __future__ import annotations

import atexit
import os
import queue
import sys
import threading
import time
from collections import deque
from datetime import datetime, timezone
from typing import Any

from .blocklist import Blocklist
from .broker_link import HEARTBEAT_SECONDS, BrokerLink, now_iso
from .config import AgentConfig, ConfigError, read_config
from .engine import Engine
from .exceptions import ExceptionWatch, Watched
from .app_output import console, module_name, to_logger
from .live_output import LiveOutput
from .not_exported import NotExported
from .metric_reading import metric_reading
from .otel_out import OtelOut
from .probe import MAX_OUTBOX, ArmedProbe, Settings, span_ids
from .quota import CpuBudget, RateLimit
from .redaction import Redaction
from .serialize import render

DRAIN_SECONDS = 0.02
# With no action installed or waiting there is nothing to drain: wake less often, so an idle agent
# takes the GIL from the app 4 times a second, not 50 (desired state still wakes it at once).
IDLE_SECONDS = 0.25
DROPPED_REPORT_SECONDS = 1.0
QUEUE_FULL = (f"export_queue_full: the agent's queue of hits waiting for its thread was full ({MAX_OUTBOX:,} hits), so these hits "
              'were counted, not exported; add a condition to the action or move it to a line that runs less often')
CONFIG_POLL_SECONDS = 1.0
MAX_SUMMARY_LENGTH = 1000


def _stamp(path: str | None) -> tuple[int, int] | None:
    """What tells a changed file (polling survives editors and ConfigMaps that replace it)."""
    if path is None:
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size


def iso(time_s: float) -> str:
    return datetime.fromtimestamp(time_s, timezone.utc).isoformat(timespec='milliseconds').replace('+00:00', 'Z')


class Agent:
    def __init__(self, config: AgentConfig) -> None:
        self.config = config
        self.outbox: deque[tuple[Any, ...]] = deque()
        self.tasks: queue.Queue[tuple[str, Any]] = queue.Queue()
        blocklist = Blocklist(config.blocklist)
        settings = Settings(
            capture=config.capture, redaction=Redaction(config.redaction), bytes_per_second=config.quotas.bytes_per_second,
            hits_per_second=config.quotas.hits_per_second, log_outputs=config.log_outputs,
            cpu=CpuBudget(config.quotas.cpu_ms_per_second), cpu_ms_per_second=config.quotas.cpu_ms_per_second,
            is_blocked_variable=lambda name: self.engine.blocklist.is_blocked_variable(name),
        )
        self.settings = settings
        self.config_stamp = _stamp(config.config_file)
        self.link = BrokerLink(config, lambda actions: self.tasks.put(('desired', actions)), self.log)
        self.engine = Engine(settings, blocklist, self.outbox, self.report, self.log)
        self.exceptions = ExceptionWatch(settings, self.outbox, self.report, lambda file, function: self.engine.blocklist.blocks(file, function))
        self.live = LiveOutput(config.live_output_per_second, config.agent_id, self.link.publish_event)
        self.otel = OtelOut(config.agent_id, self.log)
        self.not_exported = NotExported(config.agent_id, lambda event: self.link.publish_event(event), self.otel.count_not_exported, self.restate)
        # Each action's last installed or error status, which the totals of hits not exported add to.
        self.last_status: dict[str, dict[str, Any]] = {}
        self.thread = threading.Thread(target=self.loop, name='liveprobe-agent', daemon=True)
        self.stopped = threading.Event()
        self.armed_any = False
        self.config_checked = 0.0
        self.drops_reported = 0.0

    def start(self) -> None:
        self.link.start()
        self.thread.start()
        atexit.register(self.exit)

    def log(self, line: str) -> None:
        if self.config.log_level != 'silent':
            print(f'[liveprobe] {line}', file=sys.stderr, flush=True)

    def report(self, action_id: str, state: str, message: str | None, location: dict[str, Any] | None) -> None:
        event: dict[str, Any] = {'kind': 'action_status', 'agentId': self.config.agent_id, 'time': now_iso(), 'actionId': action_id, 'state': state}
        if message is not None:
            event['message'] = message
        if location is not None:
            event['location'] = location
        if self.config.log_level == 'debug':
            self.log(f'{action_id}: {state}{"" if message is None else f" ({message})"}')
        self.link.publish_status(event)
        if state == 'installed' or (state == 'error' and location is not None):
            self.last_status[action_id] = event
        else:
            self.last_status.pop(action_id, None)
        if state in ('removed', 'expired', 'hit_limit'):
            self.not_exported.forget(action_id)
            self.otel.end_metrics(action_id)
            self.live.forget(action_id)

    def restate(self, action_id: str, totals: str) -> None:
        """`installed: …; not exported so far: 4,990 sampled (over the rate)`, as the Node agent says it."""
        status = self.last_status.get(action_id)
        if status is None or action_id not in self.engine.installed:
            return
        message = status.get('message')
        self.link.publish_status({**status, 'time': now_iso(),
                                  'message': f'not exported so far: {totals}' if message is None else f'{message}; not exported so far: {totals}'})

    def loop(self) -> None:
        last_heartbeat = time.monotonic()
        while not self.stopped.is_set():
            try:
                busy = self.engine.installed or self.engine.waiting or self.exceptions.watched or self.outbox
                kind, payload = self.tasks.get(timeout=DRAIN_SECONDS if busy else IDLE_SECONDS)
                if kind == 'desired':
                    self.armed_any = self.armed_any or bool(payload)
                    self.engine.reconcile([a for a in payload if a.get('type') != 'exception'])
                    self.exceptions.reconcile([a for a in payload if a.get('type') == 'exception'])
            except queue.Empty:
                pass
            except Exception as err:
                self.log(f'internal error: {err!r}')
            try:
                self.drain()
                self.engine.tick()
                self.exceptions.tick()
                self.live.tick()
                self.not_exported.tick()
                self.reload_settings()
                if time.monotonic() - last_heartbeat >= HEARTBEAT_SECONDS:
                    last_heartbeat = time.monotonic()
                    self.link.publish_event({'kind': 'heartbeat', 'agentId': self.config.agent_id, 'time': now_iso(), 'actions': len(self.engine.installed)})
            except Exception as err:
                self.log(f'internal error: {err!r}')

    def reload_settings(self) -> None:
        """LIVEPROBE_CONFIG changed: new capture, redaction, quota and blocklist settings apply now; a broken edit changes nothing."""
        path = self.config.config_file
        if path is None or time.monotonic() - self.config_checked < CONFIG_POLL_SECONDS:
            return
        self.config_checked = time.monotonic()
        stamp = _stamp(path)
        if stamp == self.config_stamp:
            return
        self.config_stamp = stamp
        try:
            fresh = read_config({**os.environ, 'LIVEPROBE_AGENT_ID': self.config.agent_id})
        except ConfigError as err:
            self.log(f'kept the settings in use: {err}')
            return
        settings = self.settings
        settings.capture = fresh.capture
        settings.redaction = Redaction(fresh.redaction)
        settings.bytes_per_second = fresh.quotas.bytes_per_second
        settings.hits_per_second = fresh.quotas.hits_per_second
        settings.log_outputs = fresh.log_outputs
        settings.cpu_ms_per_second = settings.cpu.ms_per_second = fresh.quotas.cpu_ms_per_second
        for entry in self.engine.installed.values():
            entry.probe.byte_rate = RateLimit(fresh.quotas.bytes_per_second)
            entry.probe.set_rate()
            entry.probe.compile()
        self.engine.apply_blocklist(Blocklist(fresh.blocklist))
        self.log(f'applied the settings of {path}')

    def drain(self) -> None:
        # Hits dropped at a full queue: one notice a second per action, however fast they come.
        drops = time.monotonic() - self.drops_reported >= DROPPED_REPORT_SECONDS
        if drops:
            self.drops_reported = time.monotonic()
        for entry in list(self.engine.installed.values()):
            self.drain_counts(entry.probe, drops)
        while self.outbox:
            item = self.outbox.popleft()
            getattr(self, 'on_' + item[0])(*item[1:])

    def attributes(self, probe: ArmedProbe) -> dict[str, Any]:
        if probe.otel_attributes is not None:
            return probe.otel_attributes
        out: dict[str, Any] = {'code.file.path': probe.file, 'code.line.number': probe.line}
        if probe.function:
            out['code.function.name'] = probe.function
        out['liveprobe.action.id'] = probe.id
        out['liveprobe.agent.id'] = self.config.agent_id
        probe.otel_attributes = out
        return out

    def line_of(self, probe: ArmedProbe) -> dict[str, Any]:
        return {'kind': 'output', 'agentId': self.config.agent_id, 'actionId': probe.id, 'level': probe.action.get('level', 'info'), 'file': probe.file, 'line': probe.line}

    def on_log(self, probe: ArmedProbe, time_s: float, values: list[Any], otel_context: Any) -> None:
        # The first record's exporter is set up before the hit's time is taken: its import of the
        # OpenTelemetry SDK (~100 ms of CPU) spent the second's CPU budget, and every sampling
        # action's next hits in that second were counted out.
        if 'otel' in (probe.action.get('outputs') or self.settings.log_outputs):
            self.otel.logger()
        # This thread holds the app's GIL too: its work for a hit counts against the CPU budget.
        started = time.thread_time()
        try:
            self.output_log(probe, time_s, values, otel_context)
        finally:
            if self.settings.cpu_ms_per_second > 0:
                probe.spend_seconds(time.thread_time() - started, time.perf_counter())

    def output_log(self, probe: ArmedProbe, time_s: float, values: list[Any], otel_context: Any) -> None:
        message = probe.message(values)
        if not probe.spend_bytes(len(message), time_s):
            return
        ids = span_ids(otel_context)
        # The action's own outputs, else the agent's default (LIVEPROBE_LOG_OUTPUTS, `output.log`, `otel,live`).
        outputs = probe.action.get('outputs') or self.settings.log_outputs
        level = probe.action['level']
        if 'otel' in outputs:
            self.otel.emit(level, message, time_s, self.attributes(probe), ids)
        if 'console' in outputs or 'logger' in outputs:
            fields = {k: v for k, v in self.attributes(probe).items() if k != 'liveprobe.agent.id'}
            if 'console' in outputs:
                console(level, iso(time_s), message, fields)
            if 'logger' in outputs:
                if probe.logger_name is None:
                    probe.logger_name = module_name(probe.file) or 'liveprobe'
                if not to_logger(probe.logger_name, level, time_s, message, fields, otel_context) and 'console' not in outputs:
                    console(level, iso(time_s), message, fields)
        if 'live' not in outputs or not self.live.admit(probe.id):
            return
        event = {**self.line_of(probe), 'time': iso(time_s), 'message': message}
        if ids is not None:
            event['traceId'], event['spanId'] = ids[0], ids[1]
        if not self.link.publish_event(event):
            self.live.dropped[probe.id] = self.live.dropped.get(probe.id, 0) + 1

    def on_snap(self, probe: ArmedProbe, time_s: float, snapshot_id: str, data: dict[str, Any]) -> None:
        data['location'] = {'file': probe.file, 'line': probe.line, **({'function': probe.function} if probe.function else {})}
        summary = ', '.join(f'{v["name"]}={render(v["value"], False)}' for v in data['arguments'] + data['locals'])
        ids = (data['traceId'], data['spanId'], 1) if 'traceId' in data else None
        self.otel.emit_span(f'snapshot {probe.file}:{probe.line}', time_s, {
            **self.attributes(probe), 'liveprobe.snapshot.id': snapshot_id, 'liveprobe.snapshot.stall_ms': data['stallMs'],
            'liveprobe.snapshot.summary': summary if len(summary) <= MAX_SUMMARY_LENGTH else summary[:MAX_SUMMARY_LENGTH] + '…',
        }, ids)
        event = {'kind': 'snapshot', 'id': snapshot_id, 'agentId': self.config.agent_id, 'actionId': probe.id, 'time': iso(time_s), 'snapshot': data}
        if not self.link.publish_event(event):
            self.report(probe.id, 'error', f'snapshot {snapshot_id} was captured but the broker was unreachable; it went to OpenTelemetry only', None)

    def on_exception(self, watched: Watched, time_s: float, snapshot_id: str, data: dict[str, Any], stacktrace: str) -> None:
        """An exception snapshot: a span `exception <type>` with OpenTelemetry's exception.* attributes, and the snapshot."""
        action_id, location, thrown = watched.action['id'], data['location'], data['exception']
        summary = ', '.join(f'{v["name"]}={render(v["value"], False)}' for v in data['arguments'] + data['locals'])
        attributes = {'exception.type': thrown['type'], 'exception.message': thrown['message'], 'exception.stacktrace': stacktrace,
                      'code.file.path': location['file'], 'code.line.number': location['line'], 'code.function.name': location['function'],
                      'liveprobe.action.id': action_id, 'liveprobe.agent.id': self.config.agent_id, 'liveprobe.snapshot.id': snapshot_id,
                      'liveprobe.snapshot.stall_ms': data['stallMs'],
                      'liveprobe.snapshot.summary': summary if len(summary) <= MAX_SUMMARY_LENGTH else summary[:MAX_SUMMARY_LENGTH] + '…'}
        ids = (data['traceId'], data['spanId'], 1) if 'traceId' in data else None
        self.otel.emit_span(f'exception {thrown["type"]}', time_s, attributes, ids)
        event = {'kind': 'snapshot', 'id': snapshot_id, 'agentId': self.config.agent_id, 'actionId': action_id, 'time': iso(time_s), 'snapshot': data}
        if not self.link.publish_event(event):
            self.report(action_id, 'error', f'snapshot {snapshot_id} was captured but the broker was unreachable; it went to OpenTelemetry only', None)

    def on_exception_done(self, watched: Watched) -> None:
        self.exceptions.on_done(watched)

    def on_metric(self, probe: ArmedProbe, value: float, attributes: dict[str, Any]) -> None:
        base = {k: v for k, v in self.attributes(probe).items() if k != 'liveprobe.agent.id'}
        self.otel.record(probe.action, value, {**base, **attributes})
        shown = f'{value:g}' if probe.type == 'metric' else f'{value:.6f}'.rstrip('0').rstrip('.')
        extra = '' if not attributes else ' ' + ', '.join(f'{k}={v}' for k, v in attributes.items())
        plus = '+' if probe.type == 'counter' else ''
        line = {**self.line_of(probe), 'time': now_iso(), 'message': f'{probe.action["name"]} {plus}{shown}{extra}'}
        self.live.send({**line, 'metric': metric_reading(probe.action, value, attributes)})

    def on_paused(self, probe: ArmedProbe, reason: str) -> None:
        self.engine.pause(probe, reason)

    def on_done(self, probe: ArmedProbe, reason: str) -> None:
        self.drain_counts(probe)
        self.engine.finish(probe, reason)

    def on_error(self, probe: ArmedProbe, message: str, count: int) -> None:
        suffix = f' ({count} times since the last report)' if count > 1 else ''
        self.report(probe.id, 'error', message + suffix, {'file': probe.file, 'line': probe.line})

    def drain_counts(self, probe: ArmedProbe, drops: bool = True) -> None:
        if probe.overflow and drops:
            count = probe.overflow
            probe.overflow -= count
            self.link.publish_event({'kind': 'dropped', 'agentId': self.config.agent_id, 'time': now_iso(), 'actionId': probe.id, 'count': count,
                                     'reason': QUEUE_FULL})
        for limit, count in probe.sampled.items():
            if count:
                probe.sampled[limit] -= count
                self.not_exported.add(probe.id, 'sampled', count, limit)
        if probe.counted:
            count = probe.counted
            probe.counted -= count
            self.otel.record(probe.action, count, {})
            self.live.count(self.line_of(probe), probe.action, count)

    def retire_in_child(self) -> None:
        """In a forked child: this agent's threads did not come along and its socket is the
        parent's, so it goes quiet without a word to the broker, and its probes leave the code."""
        atexit.unregister(self.exit)
        self.stopped.set()
        self.link.forget_in_child()
        self.engine.close()
        self.engine.mechanism.close()
        self.exceptions.close()

    def exit(self) -> None:
        """The app is exiting: hand over the last hits and flush the exports, bounded."""
        if self.armed_any and self.config.exit_flush_ms > 0:
            done = threading.Event()
            self.tasks.put(('noop', None))
            deadline = time.monotonic() + self.config.exit_flush_ms / 1000
            while self.outbox and time.monotonic() < deadline:
                time.sleep(0.01)

            def flush() -> None:
                try:
                    self.otel.flush()
                finally:
                    done.set()
            threading.Thread(target=flush, daemon=True).start()
            done.wait(max(0.0, deadline - time.monotonic()))
        self.stopped.set()
        self.engine.close()
        self.exceptions.close()
        self.link.close()
