"""A log action's lines in the app's own output, on the agent's thread: its stdout and stderr (the
`console` output, in the Node agent's format), or the app's own `logging` (the `logger` output):
the logger of the module the line is in, as if that code had logged it, so the line goes wherever
the app sends that module's logs (its handlers; with OpenTelemetry's logging instrumentation, the
Logs bridge too). An app whose logging has no handler for it gets the line on its console."""
from __future__ import annotations

import logging
import sys
from typing import Any

from opentelemetry import context as otel_context

TO_STDERR = ('warn', 'error', 'fatal')
# logging has no trace or fatal level: as the Node agent maps them for winston.
LEVELS = {'trace': logging.DEBUG, 'debug': logging.DEBUG, 'info': logging.INFO, 'warn': logging.WARNING,
          'error': logging.ERROR, 'fatal': logging.CRITICAL}


def console(level: str, stamp: str, message: str, fields: dict[str, Any]) -> None:
    """`2030-01-01T10:00:00.000Z INFO [liveprobe act_…] /srv/app/orders.py:42 message`, on stderr from warn up."""
    stream = sys.stderr if level in TO_STDERR else sys.stdout
    try:
        stream.write(f'{stamp} {level.upper()} [liveprobe {fields["liveprobe.action.id"]}] '
                     f'{fields["code.file.path"]}:{fields["code.line.number"]} {message}\n')
        stream.flush()
    except Exception:
        pass  # a closed or broken stream is the app's; the line still went to its other outputs


def module_name(path: str) -> str | None:
    """The name of the loaded module whose file is `path`: its logger is the app's logger for the line."""
    for name, module in list(sys.modules.items()):
        if getattr(module, '__file__', None) == path:
            return '__main__' if name == '__main__' else name
    return None


def to_logger(name: str | None, level: str, time_s: float, message: str, fields: dict[str, Any], hit_context: Any) -> bool:
    """Through the app's logging, at the hit's time and in its trace; False when no handler would take it."""
    logger = logging.getLogger(name)
    if not logger.hasHandlers():
        return False
    number = LEVELS[level]
    if not logger.isEnabledFor(number):
        return True  # the app's logging configuration leaves it out, as it would the module's own line
    record = logger.makeRecord(logger.name, number, fields['code.file.path'], fields['code.line.number'], message, (), None,
                               fields.get('code.function.name'), extra=fields)
    record.created = time_s
    record.msecs = int(time_s * 1000) % 1000
    token = otel_context.attach(hit_context) if hit_context is not None else None
    try:
        logger.handle(record)
    except Exception:
        pass  # the app's handler failing is no reason to fail the agent
    finally:
        if token is not None:
            otel_context.detach(token)
    return True
