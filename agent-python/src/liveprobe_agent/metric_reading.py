"""What a metric action's live line recorded (the protocol's MetricReading), so that `liveprobe tail` shows it as a metric, not a log line."""

from __future__ import annotations

from typing import Any


def metric_reading(action: dict[str, Any], value: float, attributes: dict[str, Any]) -> dict[str, Any]:
    """The instrument is the one otel_out records into: a counter, seconds for tic-toc and duration, else the action's."""
    kind = action['type']
    instrument = 'counter' if kind == 'counter' else 'gauge' if kind == 'metric' and action.get('instrument') == 'gauge' else 'histogram'
    unit = 's' if kind in ('tictoc', 'duration') else action.get('unit')
    reading: dict[str, Any] = {'type': kind, 'name': action['name'], 'value': value, 'instrument': instrument}
    if unit:
        reading['unit'] = unit
    shown = {k: v for k, v in attributes.items() if isinstance(v, (str, int, float, bool))}
    if shown:
        reading['attributes'] = shown
    return reading
