"""liveprobe's Python agent: `import liveprobe_agent; liveprobe_agent.start()`, or run the app
with `liveprobe-run python app.py`. Configured from LIVEPROBE_* and OTEL_* variables."""
from __future__ import annotations

import os
import sys
import threading
from typing import Any

__version__ = '0.1.0'
__all__ = ['start', '__version__']

_lock = threading.Lock()
_agent: Any = None


def start() -> Any:
    """Starts the agent once per process; a configuration mistake disables it and says why on stderr."""
    global _agent
    with _lock:
        if _agent is not None:
            return _agent
        from .config import ConfigError, read_config
        try:
            config = read_config(os.environ)
        except ConfigError as err:
            print(f'[liveprobe] the agent is disabled: {err}', file=sys.stderr, flush=True)
            _agent = False
            return None
        from .agent import Agent
        _agent = Agent(config)
        _agent.start()
        return _agent


def _after_fork() -> None:
    """A forked child has none of the agent's threads: its probes go quiet, and start() may run again."""
    global _agent
    if _agent:
        for entry in _agent.engine.installed.values():
            entry.probe.off = True
    _agent = None


os.register_at_fork(after_in_child=_after_fork)
