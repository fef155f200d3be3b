"""Footprint guards checked at every hit, as in the Node agent: a per-action rate of output bytes
and a per-agent budget of probe time per second. Over either, the action pauses. (The Node
agent's per-action hit quota stands for a breakpoint's ~200 µs; a Python site costs what a
prepared site does, so, as there, its hits are guarded by the byte quota and the CPU budget.)"""
from __future__ import annotations


class RateLimit:
    """A token bucket: `rate` per second, bursts up to one second's worth; 0 turns it off."""
    __slots__ = ('rate', 'tokens', 'last')

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.last = 0.0

    def take(self, amount: float, now: float) -> bool:
        if self.rate <= 0:
            return True
        self.tokens = min(self.rate, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < amount:
            return False
        self.tokens -= amount
        return True

    def refill(self) -> None:
        self.tokens = self.rate


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
