"""Footprint guards checked at every hit, as on a Node prepared site (a Python site costs what
one does): a per-action rate of output bytes, a per-agent budget of probe time per second, and a
log or snapshot action's sampling rate (its `ratePerSecond` within the agent's hit quota). A log or
snapshot over any of them stays on and its hits are counted, not captured; a counter or metric
over the CPU budget pauses."""
from __future__ import annotations


class RateLimit:
    """A token bucket: `rate` per second, bursts up to one second's worth (at least one, so a rate
    of 0.5 takes a hit every two seconds); 0 turns it off."""
    __slots__ = ('rate', 'burst', 'tokens', 'last')

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.burst = max(rate, 1.0)
        self.tokens = self.burst
        self.last = 0.0

    def take(self, amount: float, now: float) -> bool:
        rate = self.rate
        if rate <= 0:
            return True
        # Locals and a comparison, not min(): a sampled log line takes this at every hit.
        tokens = self.tokens + (now - self.last) * rate
        if tokens > self.burst:
            tokens = self.burst
        self.last = now
        if tokens < amount:
            self.tokens = tokens
            return False
        self.tokens = tokens - amount
        return True

    def refill(self) -> None:
        self.tokens = self.burst


def sample_rate(rate_per_second: float | None, hits_per_second: float) -> float:
    """The rate a log or snapshot samples to: its own within the agent's hit quota (0: the quota is off)."""
    if rate_per_second is None:
        return hits_per_second
    return min(rate_per_second, hits_per_second) if hits_per_second > 0 else rate_per_second


class CpuBudget:
    """Probe time per one-second window, across every action of the agent."""
    __slots__ = ('ms_per_second', 'window_start', 'spent')

    def __init__(self, ms_per_second: float) -> None:
        self.ms_per_second = ms_per_second
        self.window_start = 0.0
        self.spent = 0.0

    def spend(self, seconds: float, now: float) -> bool:
        if self.ms_per_second <= 0:
            return True
        if now - self.window_start >= 1.0:
            self.window_start = now
            self.spent = 0.0
        self.spent += seconds
        return self.spent * 1000 <= self.ms_per_second

    def over(self, now: float) -> bool:
        """Whether this second's budget is spent (a new second starts with none spent)."""
        return now - self.window_start < 1.0 and self.spent * 1000 > self.ms_per_second
