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
_fork_hook = False


def start() -> Any:
    """Starts the agent once per process; a configuration mistake disables it and says why on stderr."""
    global _agent, _fork_hook
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
        if not _fork_hook:
            # Registered after the agent's imports: hooks run in registration order in a forked
            # child, so `logging` (which paho uses) has released its lock before this one starts
            # an agent there.
            os.register_at_fork(after_in_child=_after_fork)
            _fork_hook = True
        return _agent


def _after_fork() -> None:
    """A forked child (a pre-fork server's worker, a multiprocessing worker) has none of the
    agent's threads and shares its MQTT socket: the inherited agent is retired without touching
    the socket, its code changes undone, and the child starts an agent of its own."""
    global _agent
    inherited, _agent = _agent, None
    if not inherited:
        return
    try:
        inherited.retire_in_child()
    except Exception as err:  # the child must run whatever happens to the agent
        print(f'[liveprobe] could not retire the parent\'s agent in a forked child: {err!r}', file=sys.stderr)
    from .config import agent_id_in_child
    os.environ['LIVEPROBE_AGENT_ID'] = agent_id_in_child(os.environ.get('LIVEPROBE_AGENT_ID'))
    start()

