"""Hits an action did not export, counted by reason and never silent, as the Node agent counts them
(agent/src/worker/not-exported.ts): sampled out, over the action's rate, its output quota or the
agent's CPU budget (which one is said). Once a second the counts
go to the live stream as a `dropped` notice and to the `liveprobe.hits.not_exported` metric; every
5 s the totals so far go into the action's status."""
from __future__ import annotations

import time
from typing import Callable

from .broker_link import now_iso

REPORT_SECONDS = 1.0
STATUS_SECONDS = 5.0
NOT_CAPTURED = 'these hits were counted, not captured'
# The live stream's reason for each cause: the Node agent's words.
REASONS = {
    'sampled_rate': f"sampled: over the action's rate (its ratePerSecond, at most the agent's LIVEPROBE_QUOTA_HITS_PER_SECOND); {NOT_CAPTURED}",
    'sampled_bytes': f"sampled: over the action's output quota (LIVEPROBE_QUOTA_BYTES_PER_SECOND); {NOT_CAPTURED}",
    'sampled_cpu': f"sampled: the agent's CPU budget for the second was spent (LIVEPROBE_CPU_BUDGET_MS_PER_SECOND); {NOT_CAPTURED}",
}
LIMIT_LABELS = {'rate': 'over the rate', 'bytes': 'over the output quota', 'cpu': 'over the CPU budget'}

Counts = dict[str, dict[str, int]]


class NotExported:
    def __init__(self, agent_id: str, publish: Callable[[dict[str, object]], bool],
                 metric: Callable[[str, str, int, str | None], None], status: Callable[[str, str], None]) -> None:
        self.agent_id = agent_id
        self.publish = publish
        self.metric = metric
        self.status = status
        self.pending: Counts = {}  # not yet on the live stream
        self.unmetered: Counts = {}  # not yet added to the metric: one addition a second, not one a hit
        self.totals: Counts = {}
        self.changed: set[str] = set()
        self.reported = self.stated = time.monotonic()

    def add(self, action_id: str, reason: str, count: int, limit: str | None = None) -> None:
        """`limit`: for `sampled`, the limit the hits were over (`rate`, `bytes` or `cpu`)."""
        if count <= 0:
            return
        cause = f'sampled_{limit or "rate"}' if reason == 'sampled' else reason
        for counts in (self.pending, self.unmetered, self.totals):
            mine = counts.setdefault(action_id, {})
            mine[cause] = mine.get(cause, 0) + count
        self.changed.add(action_id)

    def tick(self) -> None:
        now = time.monotonic()
        if now - self.reported >= REPORT_SECONDS:
            self.reported = now
            self.report_dropped()
        if now - self.stated >= STATUS_SECONDS:
            self.stated = now
            for action_id in self.changed:
                if action_id in self.totals:
                    self.status(action_id, totals_text(self.totals[action_id]))
            self.changed.clear()

    def forget(self, action_id: str) -> None:
        """The action ended: its last counts go out now."""
        self.report_dropped()
        self.totals.pop(action_id, None)
        self.changed.discard(action_id)

    def report_dropped(self) -> None:
        for action_id, counts in self.unmetered.items():
            for cause, count in counts.items():
                reason, limit = split(cause)
                self.metric(action_id, reason, count, limit)
        self.unmetered.clear()
        for action_id, counts in list(self.pending.items()):
            for cause, count in list(counts.items()):
                sent = self.publish({'kind': 'dropped', 'agentId': self.agent_id, 'time': now_iso(), 'actionId': action_id,
                                     'count': count, 'reason': REASONS[cause]})
                if sent:
                    del counts[cause]
            if not counts:
                del self.pending[action_id]


def totals_text(counts: dict[str, int]) -> str:
    """`4,990 sampled (over the rate)`, or `5,000 sampled (4,990 over the rate, 10 over the CPU budget)`."""
    sampled = [(split(cause)[1], count) for cause, count in counts.items()]
    total = sum(count for _, count in sampled)
    if len(sampled) == 1:
        limits = LIMIT_LABELS[str(sampled[0][0])]
    else:
        limits = ', '.join(f'{count:,} {LIMIT_LABELS[str(limit)]}' for limit, count in sampled)
    return f'{total:,} sampled ({limits})'


def split(cause: str) -> tuple[str, str | None]:
    return ('sampled', cause[len('sampled_'):]) if cause.startswith('sampled_') else (cause, None)
