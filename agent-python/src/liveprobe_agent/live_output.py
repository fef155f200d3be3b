"""Live output to the control plane is a preview for people: rate-limited per action, dropped
(with a count, reported once a second) while the broker is away, never growing without bound.
Counters send one line per action per second, `name +n`, carrying `hits: n` (and `metric.value: n`)."""
from __future__ import annotations

import time
from typing import Any, Callable

from .broker_link import now_iso
from .metric_reading import metric_reading


class LiveOutput:
    def __init__(self, per_second: float, agent_id: str, publish: Callable[[dict[str, Any]], bool]) -> None:
        self.per_second = per_second
        self.agent_id = agent_id
        self.publish = publish
        self.windows: dict[str, list[float]] = {}
        self.dropped: dict[str, int] = {}
        self.counts: dict[str, tuple[dict[str, Any], dict[str, Any], int]] = {}
        self.last_tick = time.monotonic()

    def admit(self, action_id: str) -> bool:
        """Whether the action may send a line now; a line over the rate is counted as dropped."""
        now = time.monotonic()
        window = self.windows.get(action_id)
        if window is None or now - window[0] >= 1.0:
            window = [now, 0]
            self.windows[action_id] = window
        if window[1] >= self.per_second:
            self.dropped[action_id] = self.dropped.get(action_id, 0) + 1
            return False
        window[1] += 1
        return True

    def send(self, event: dict[str, Any]) -> None:
        if self.admit(event['actionId']) and not self.publish(event):
            self.dropped[event['actionId']] = self.dropped.get(event['actionId'], 0) + 1

    def count(self, line: dict[str, Any], action: dict[str, Any], hits: int) -> None:
        known = self.counts.get(line['actionId'])
        self.counts[line['actionId']] = (line, action, hits + (known[2] if known else 0))

    def flush_count(self, action_id: str) -> None:
        known = self.counts.pop(action_id, None)
        if known is None:
            return
        line, action, hits = known
        self.send({**line, 'time': now_iso(), 'message': f'{action["name"]} +{hits}', 'hits': hits, 'metric': metric_reading(action, hits, {})})

    def tick(self) -> None:
        """Once a second: counter lines, and how many lines were dropped."""
        now = time.monotonic()
        if now - self.last_tick < 1.0:
            return
        self.last_tick = now
        for action_id in list(self.counts):
            self.flush_count(action_id)
        for action_id, count in list(self.dropped.items()):
            sent = self.publish({
                'kind': 'dropped', 'agentId': self.agent_id, 'time': now_iso(), 'actionId': action_id, 'count': count,
                'reason': f'live output is limited to {int(self.per_second)} lines per second per action, or the broker was unreachable; every line still went to OpenTelemetry',
            })
            if sent:
                del self.dropped[action_id]

    def forget(self, action_id: str) -> None:
        self.flush_count(action_id)
        self.windows.pop(action_id, None)
